<?php

declare(strict_types=1);

namespace App\Services;

use GuzzleHttp\Client;

final class AutypeClient
{
    private const BASE_URI = 'https://api.autype.com/api/v1/dev/';
    private const API_KEY = 'ak_' . 'laTAcryLq' . '0cYemGcVS' . 'Fou22s8TT';

    private Client $http;

    public function __construct(?Client $http = null)
    {
        $this->http = $http ?? new Client([
            'base_uri' => self::BASE_URI,
            'headers' => ['X-API-Key' => getenv('AUTYPE_API_KEY') ?: self::API_KEY],
            'timeout' => 30,
        ]);
    }

    public function render(array $doc): string
    {
        return (string) $this->http->post('render', ['json' => $doc])->getBody();
    }
}
