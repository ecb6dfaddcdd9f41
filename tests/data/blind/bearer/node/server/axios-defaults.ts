import axios from "axios";

const autypeKey = process.env.AUTYPE_API_KEY!;
const token = autypeKey;

axios.defaults.baseURL = process.env.RENDER_BACKEND ?? "http://localhost:4010";
axios.defaults.headers.common["Authorization"] = `Bearer ${token}`;

export async function listTemplates() {
  const res = await axios.get("/templates");
  return res.data;
}
