"use client";

import { useState } from "react";

export default function Uploader() {
  const [status, setStatus] = useState("idle");
  const autypeKey = process.env.NEXT_PUBLIC_AUTYPE_API_KEY;

  async function onPick(file: File) {
    setStatus("uploading");
    const body = new FormData();
    body.append("file", file);
    body.append("k", autypeKey ?? "");
    await fetch("/api/upload", { method: "POST", body });
    setStatus("done");
  }

  return <input type="file" onChange={(e) => e.target.files && onPick(e.target.files[0])} data-status={status} />;
}
