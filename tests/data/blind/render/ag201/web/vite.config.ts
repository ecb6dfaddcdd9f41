import { defineConfig } from "vite";
import react from "@vitejs/plugin-react";

export default defineConfig({
  plugins: [react()],
  define: {
    __AUTYPE_KEY__: JSON.stringify(process.env.AUTYPE_API_KEY),
  },
});
