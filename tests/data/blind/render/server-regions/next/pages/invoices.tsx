import type { GetServerSideProps } from "next";

type Props = { invoices: { id: string; total: number }[] };

export const getServerSideProps: GetServerSideProps<Props> = async () => {
  const autypeKey = "ak_qrOsLdgSUjYKXcqIV3sdMino_wPyex";
  const res = await fetch("https://api.autype.com/api/v1/dev/projects", {
    headers: { "X-API-Key": autypeKey },
  });
  const { items } = await res.json();
  return { props: { invoices: items.map((p: any) => ({ id: p.id, total: p.total ?? 0 })) } };
};

export default function Invoices({ invoices }: Props) {
  return (
    <ul>
      {invoices.map((i) => (
        <li key={i.id}>
          {i.id}: {i.total}
        </li>
      ))}
    </ul>
  );
}
