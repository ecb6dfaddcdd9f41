/**
 * Small helpers for building auth headers.
 */
export function bearer(token) {
  if (!token) throw new Error("missing token");
  return { Authorization: `Bearer ${token}` };
}

export function apiKey(value, header = "X-API-Key") {
  return { [header]: value };
}
