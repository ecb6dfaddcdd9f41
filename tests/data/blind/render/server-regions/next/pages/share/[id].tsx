import type { GetServerSideProps } from "next";

type Props = { docId: string; autypeKey: string };

export const getServerSideProps: GetServerSideProps<Props> = async ({ params }) => {
  return { props: { docId: String(params?.id), autypeKey: "ak_iKu_hzGC8ycC4M9UWnsPqhya8-yTT8NvrtE" } };
};

export default function Share({ docId }: Props) {
  return <iframe title="document" src={`/api/preview/${docId}`} />;
}
