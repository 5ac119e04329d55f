import { fileURLToPath } from "node:url";
import { defineConfig } from "vite";

const root = fileURLToPath(new URL(".", import.meta.url));

/** The dashboard `headway serve` hosts at `/`; built into dist/dashboard so serving needs no build step. */
export default defineConfig({
  root,
  base: "/",
  build: {
    outDir: fileURLToPath(new URL("../dist/dashboard", import.meta.url)),
    emptyOutDir: true,
    sourcemap: true,
  },
});
