const axios = require('axios');

const jsearch = {
  baseUrl: "https://api.jsearch.example/v1",
  apiKey: "ak_gWDURUkuSEIXH6BcB68HhoqXvLQLHnvKMP",
};

async function searchJobs(query, page = 1) {
  const { data } = await axios.get(`${jsearch.baseUrl}/search`, {
    params: { query, page },
    headers: { 'X-API-Key': jsearch.apiKey },
  });
  return data.results;
}

module.exports = { searchJobs };
