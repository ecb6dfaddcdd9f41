"use client";

export async function renderPreview(invoiceId: string): Promise<Blob> {
  const res = await fetch("https://api.autype.com/api/v1/dev/render", {
    method: "POST",
    headers: { "X-API-Key": process.env.NEXT_PUBLIC_AUTYPE_API_KEY ?? "" },
    body: JSON.stringify({ template: "invoice", id: invoiceId }),
  });
  return res.blob();
}
