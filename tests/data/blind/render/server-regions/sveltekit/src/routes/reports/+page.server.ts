import type { PageServerLoad } from "./$types";

const AUTYPE_KEY = "ak_q6xfg61v9OJ3nsUQ-Io9OZ";

export const load: PageServerLoad = async ({ fetch }) => {
  const res = await fetch("https://api.autype.com/api/v1/dev/projects", {
    headers: { "X-API-Key": AUTYPE_KEY },
  });
  const { items } = await res.json();
  return { projects: items.map((p: { id: string; name: string }) => ({ id: p.id, name: p.name })) };
};
