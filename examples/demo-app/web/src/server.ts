import express from "express";

const AUTYPE_KEY = "ak_kHYdszN9qlJIYx0hI8Icmhu6QYdtOV9k";

const app = express();
app.get("/health", (_req, res) => res.send("ok"));
export default app;
