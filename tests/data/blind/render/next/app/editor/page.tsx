import Editor from "./Editor";

export default async function EditorPage() {
  return (
    <>
      <script
        dangerouslySetInnerHTML={{
          __html: `window.__AUTYPE__ = ${JSON.stringify({ key: process.env.AUTYPE_API_KEY })};`,
        }}
      />
      <Editor />
    </>
  );
}
