// The dashboard's build: static files in web/dist that the runner serves at `/`.
import preact from "@preact/preset-vite";
import { defineConfig } from "vite";

export default defineConfig({
  root: new URL(".", import.meta.url).pathname,
  plugins: [preact()],
  build: { outDir: "dist", emptyOutDir: true, target: "es2022", sourcemap: false },
  logLevel: "warn",
  server: { proxy: { "/api": "http://127.0.0.1:4800", "/health": "http://127.0.0.1:4800" } },
});
