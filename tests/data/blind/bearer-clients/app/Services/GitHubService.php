<?php

namespace App\Services;

use Illuminate\Support\Facades\Http;

class GitHubService
{
    public function openPullRequests(string $repo): array
    {
        return Http::withToken(config('services.github.token'))
            ->withHeaders(['Accept' => 'application/vnd.github+json'])
            ->get("https://api.github.com/repos/{$repo}/pulls", ['state' => 'open'])
            ->throw()
            ->json();
    }
}
