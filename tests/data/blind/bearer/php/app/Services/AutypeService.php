<?php

namespace App\Services;

use Illuminate\Support\Facades\Http;

class AutypeService
{
    public function render(array $document): string
    {
        $response = Http::withToken(config('services.autype.key'))
            ->acceptJson()
            ->post('https://api.autype.com/api/v1/dev/render', $document);

        $response->throw();

        return $response->body();
    }
}
