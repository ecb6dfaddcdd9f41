<?php
// Shown in the admin form; none of these are keys.
return [
    'placeholder' => 'ak_' . 'your_api_key_here',
    'mask' => 'ak_' . str_repeat('*', 24),
    'from_env' => 'ak_' . getenv('AUTYPE_KEY_SUFFIX'),
    'zeros' => 'ak_' . '0000000000' . '0000000000',
];
