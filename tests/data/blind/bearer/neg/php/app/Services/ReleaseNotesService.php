<?php

namespace App\Services;

use Illuminate\Support\Facades\Http;

class ReleaseNotesService
{
    public function pdfFor(string $repo): string
    {
        $release = Http::withToken(config('services.github.token'))
            ->get("https://api.github.com/repos/{$repo}/releases/latest")
            ->json();

        return Http::withHeaders(['X-API-Key' => config('services.autype.key')])
            ->post('https://api.autype.com/api/v1/dev/render/markdown', [
                'markdown' => $release['body'],
                'format' => 'pdf',
            ])
            ->body();
    }
}
