<?php

namespace App\Jobs;

use App\Models\Contract;
use Illuminate\Bus\Queueable;
use Illuminate\Contracts\Queue\ShouldQueue;
use Illuminate\Support\Facades\Http;
use Illuminate\Support\Facades\Storage;

class RenderContractPdf implements ShouldQueue
{
    use Queueable;

    public function __construct(public Contract $contract)
    {
    }

    public function handle(): void
    {
        $pdf = Http::withToken(
            config('services.autype.key')
        )->timeout(60)->post('https://api.autype.com/api/v1/dev/documents/render', [
            'templateId' => 'contract-v3',
            'data' => $this->contract->toArray(),
        ])->throw()->body();

        Storage::put("contracts/{$this->contract->id}.pdf", $pdf);
    }
}
