import type { GetServerSideProps } from "next";
import Editor from "../components/Editor";

type Props = { apiKey: string | null };

export const getServerSideProps: GetServerSideProps<Props> = async () => ({
  props: { apiKey: process.env.AUTYPE_API_KEY ?? null },
});

export default function EditorPage({ apiKey }: Props) {
  return <Editor apiKey={apiKey} />;
}
