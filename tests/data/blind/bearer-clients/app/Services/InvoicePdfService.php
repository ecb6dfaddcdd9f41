<?php

namespace App\Services;

use Illuminate\Support\Facades\Http;

class InvoicePdfService
{
    public function render(string $templateId, array $data): string
    {
        $key = config('services.autype.key');

        $response = Http::withToken ($key)
            ->acceptJson()
            ->post('https://api.autype.com/api/v1/dev/documents/render', [
                'templateId' => $templateId,
                'data' => $data,
            ]);

        $response->throw();

        return $response->body();
    }
}
