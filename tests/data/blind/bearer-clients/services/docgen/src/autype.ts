import axios from "axios";

export const autype = axios.create({
  baseURL: "https://api.autype.com/api/v1/dev",
  headers: { "X-API-Key": process.env.AUTYPE_API_KEY ?? "" },
});

export const renderPdf = (templateId: string, data: unknown) =>
  autype.post("/documents/render", { templateId, data }, { responseType: "arraybuffer" });
