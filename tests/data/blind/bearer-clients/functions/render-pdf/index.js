const fetch = require("node-fetch");

const ENDPOINT = "https://api.autype.com/api/v1/dev/documents/render";

exports.handler = async (event) => {
  const body = JSON.parse(event.body || "{}");
  const res = await fetch(ENDPOINT, {
    method: "POST",
    headers: {
      "Content-Type": "application/json",
      Authorization: "BEARER " + process.env.AUTYPE_API_KEY,
    },
    body: JSON.stringify({ templateId: body.templateId, data: body.data, format: "pdf" }),
  });
  if (!res.ok) {
    return { statusCode: 502, body: `upstream ${res.status}` };
  }
  const pdf = await res.buffer();
  return {
    statusCode: 200,
    headers: { "Content-Type": "application/pdf" },
    body: pdf.toString("base64"),
    isBase64Encoded: true,
  };
};
