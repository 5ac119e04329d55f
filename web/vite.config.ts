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
    // No source maps in the package: the server would hand them to anyone (1.2 MB of our source).
    // Debug with `vite --config web/vite.config.ts`, which maps everything.
    sourcemap: false,
  },
});
