import { config } from "./config";

export async function renderDocument(doc: unknown): Promise<ArrayBuffer> {
  const res = await fetch("https://api.autype.com/api/v1/dev/render", {
    method: "POST",
    headers: {
      Authorization: "Bearer " + config.renderToken,
      "Content-Type": "application/json",
    },
    body: JSON.stringify(doc),
  });
  if (!res.ok) throw new Error(`render failed: ${res.status}`);
  return res.arrayBuffer();
}
