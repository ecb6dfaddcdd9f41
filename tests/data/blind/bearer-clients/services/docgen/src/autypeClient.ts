const AUTYPE_API = "https://api.autype.com/api/v1/dev";

export interface RenderRequest {
  templateId: string;
  data: Record<string, unknown>;
  format?: "pdf" | "docx";
}

export class AutypeClient {
  constructor(private readonly token: string) {}

  async render(req: RenderRequest): Promise<ArrayBuffer> {
    const res = await fetch(AUTYPE_API + "/documents/render", {
      method: "POST",
      headers: {
        "Content-Type": "application/json",
        "Authorization": "Bearer " + this.token,
      },
      body: JSON.stringify(req),
    });
    if (!res.ok) {
      throw new Error(`Autype render failed: ${res.status}`);
    }
    return res.arrayBuffer();
  }
}
