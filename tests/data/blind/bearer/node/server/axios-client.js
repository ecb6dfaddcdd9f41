const axios = require('axios');

const autype = axios.create({
  baseURL: 'https://api.autype.com/api/v1/dev',
  timeout: 30000,
  headers: { Authorization: `Bearer ${process.env.AUTYPE_API_KEY}` },
});

async function renderPdf(doc) {
  const { data } = await autype.post('/render', doc, { responseType: 'arraybuffer' });
  return Buffer.from(data);
}

module.exports = { renderPdf };
