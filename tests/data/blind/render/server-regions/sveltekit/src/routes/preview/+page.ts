import type { PageLoad } from "./$types";

const AUTYPE_KEY = "ak_t-k8h5ix4YR53RWG6-F0GBeltYQBg6PTkoJUKB";

export const load: PageLoad = async ({ fetch, params }) => {
  const res = await fetch(`/api/preview/${params.id}?k=${AUTYPE_KEY}`);
  return { preview: await res.json() };
};
