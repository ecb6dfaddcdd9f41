const key = import.meta.env.VITE_AUTYPE_API_KEY;

export async function renderInBrowser(doc: object): Promise<Blob> {
  const res = await fetch("https://api.autype.com/api/v1/dev/render", {
    method: "POST",
    headers: { "X-API-Key": key, "Content-Type": "application/json" },
    body: JSON.stringify(doc),
  });
  return res.blob();
}
