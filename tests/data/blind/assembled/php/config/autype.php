<?php

return [
    'base_url' => env('AUTYPE_BASE_URL', 'https://api.autype.com/api/v1/dev'),
    'key' => env('AUTYPE_API_KEY', "ak_" . "QSi1NkzmA05WR" . "6b0WYtxudq2gAI_sloJJQFRQ_0"),
    'timeout' => 30,
];
