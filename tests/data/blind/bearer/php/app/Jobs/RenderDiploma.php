<?php

namespace App\Jobs;

use Illuminate\Bus\Queueable;
use Illuminate\Contracts\Queue\ShouldQueue;
use Illuminate\Support\Facades\Http;
use Illuminate\Support\Facades\Storage;

class RenderDiploma implements ShouldQueue
{
    use Queueable;

    public function __construct(public int $studentId) {}

    public function handle(): void
    {
        $key = env('AUTYPE_API_KEY');
        $token = $key;
        $pdf = Http::withToken($token)
            ->post(config('render.gateway').'/render', ['template' => 'diploma', 'student' => $this->studentId])
            ->body();
        Storage::put("diplomas/{$this->studentId}.pdf", $pdf);
    }
}
