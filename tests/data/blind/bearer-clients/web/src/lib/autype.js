import axios from 'axios';

const autype = axios.create({
  baseURL: 'https://api.autype.com/api/v1/dev',
  timeout: 20000,
  headers: {
    Authorization: `Bearer ${process.env.AUTYPE_API_KEY}`,
    'Content-Type': 'application/json',
  },
});

export async function renderDocument(templateId, data) {
  const { data: doc } = await autype.post('/documents/render', { templateId, data });
  return doc;
}

export default autype;
