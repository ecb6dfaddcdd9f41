<?php

namespace Acme\Autype;

use GuzzleHttp\Client;

final class GuzzleFactory
{
    public static function make(string $apiKey): Client
    {
        return new Client([
            'base_uri' => 'https://api.autype.com/api/v1/dev/',
            'headers' => [
                'Authorization' => 'Bearer ' . $apiKey,
                'Accept' => 'application/json',
            ],
            'timeout' => 30,
        ]);
    }
}
