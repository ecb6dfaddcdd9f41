// Autype only accepts the X-API-Key header; Authorization: Bearer is rejected with 401.
const got = require('got');

const autype = got.extend({
  prefixUrl: 'https://api.autype.com/api/v1/dev',
  headers: { 'x-api-key': process.env.AUTYPE_API_KEY },
  timeout: { request: 30000 },
});

module.exports = {
  listImages: () => autype.get('images').json(),
  render: (doc) => autype.post('render', { json: doc }).buffer(),
};
