<?php

namespace App\Services;

use Illuminate\Http\Client\PendingRequest;
use Illuminate\Support\Facades\Http;

class AutypeClient
{
    protected function http(): PendingRequest
    {
        return Http::baseUrl('https://api.autype.com/api/v1/dev')
            ->withHeaders(['X-API-Key' => config('services.autype.key')])
            ->acceptJson()
            ->timeout(30);
    }

    public function templates(): array
    {
        return $this->http()->get('templates')->throw()->json('data', []);
    }
}
