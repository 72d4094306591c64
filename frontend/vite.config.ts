import { defineConfig } from "vite";

// The Wails asset server and app/ui/webrpc both serve dist/ at the root. public/.gitkeep is
// copied into dist/ on every build: main.go embeds frontend/dist, which must never be empty.
export default defineConfig({
  build: {
    outDir: "dist",
    emptyOutDir: true,
    target: "es2020",
    sourcemap: false,
  },
  server: { strictPort: true, port: 5173 },
});
