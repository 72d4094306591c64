import { defineConfig } from "vite";

// The Wails asset server and app/ui/webrpc both serve dist/ at the root.
export default defineConfig({
  build: {
    outDir: "dist",
    emptyOutDir: true,
    target: "es2020",
    sourcemap: false,
  },
  server: { strictPort: true, port: 5173 },
});
