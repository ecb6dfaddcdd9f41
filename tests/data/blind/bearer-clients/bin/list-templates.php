<?php

require __DIR__ . '/../vendor/autoload.php';

use GuzzleHttp\Client;

$client = new Client(['base_uri' => 'https://api.autype.com/api/v1/dev/']);

$response = $client->request('GET', 'templates', [
    'headers' => [
        'Accept' => 'application/json',
        'Authorization' => 'Bearer ' . getenv('AUTYPE_API_KEY'),
    ],
]);

foreach (json_decode((string) $response->getBody(), true)['data'] ?? [] as $tpl) {
    printf("%s\t%s\n", $tpl['id'], $tpl['name']);
}
