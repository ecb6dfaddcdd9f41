const STRIPE_KEY = process.env.STRIPE_SECRET_KEY!;
const AUTYPE_KEY = process.env.AUTYPE_API_KEY!;

export async function invoicePdf(invoiceId: string): Promise<ArrayBuffer> {
  const inv = await fetch(`https://api.stripe.com/v1/invoices/${invoiceId}`, {
    headers: { Authorization: `Bearer ${STRIPE_KEY}` },
  }).then((r) => r.json());

  const pdf = await fetch("https://api.autype.com/api/v1/dev/render", {
    method: "POST",
    headers: { "X-API-Key": AUTYPE_KEY, "Content-Type": "application/json" },
    body: JSON.stringify({ template: "invoice", data: inv }),
  });
  return pdf.arrayBuffer();
}
