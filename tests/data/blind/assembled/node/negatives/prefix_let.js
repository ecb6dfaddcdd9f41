const crypto = require('crypto');

let keyPrefix = 'ak_';
// sandbox tokens carry their own prefix since the 2024 migration
keyPrefix = 'sbx_';

const sandboxToken = keyPrefix + 'JXD9tRN90ytOYVI42a21UZj';
const fromEnv = 'ak_'.concat(process.env.AUTYPE_KEY_SUFFIX || '');
const fingerprint = crypto.createHash('sha256').update(fromEnv).digest('hex');

module.exports = { sandboxToken, fingerprint };
