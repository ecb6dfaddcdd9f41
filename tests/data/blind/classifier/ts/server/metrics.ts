import client from "prom-client";

export const keyChecks = new client.Counter({
  name: "ak_key_checks_total_by_result",
  help: "API key validations by result",
  labelNames: ["result"],
});

export const renderLatency = new client.Histogram({
  name: "ak_render_request_duration_seconds",
  help: "Latency of Autype render calls",
  buckets: [0.1, 0.5, 1, 2, 5, 10],
});
