import { json, type LoaderFunctionArgs } from "@remix-run/node";
import { useLoaderData } from "@remix-run/react";

export async function loader({ request }: LoaderFunctionArgs) {
  const key = "ak_d6KpqutKLx2iV3lyZlpXUUH4hTxkWi";
  const res = await fetch("https://api.autype.com/api/v1/dev/images", { headers: { "X-API-Key": key } });
  const { items } = await res.json();
  return json({ images: items.map((i: { url: string }) => i.url), from: new URL(request.url).pathname });
}

export default function Reports() {
  const { images } = useLoaderData<typeof loader>();
  return <div>{images.map((src) => <img key={src} src={src} alt="" />)}</div>;
}
