import { readFileSync } from "node:fs";
import { dirname, join, resolve } from "node:path";
import { describe, expect, it } from "vitest";

const ROOT = resolve(import.meta.dirname, "../..");
const IMPORT = /^\s*(import|export)\s+(type\s+)?[^;]*?from\s+"([^"]+)";/gms;

/** Every module a browser would load from this entry, following value imports only (type imports vanish). */
function runtimeGraph(entry: string): { files: Set<string>; bare: Set<string> } {
  const files = new Set<string>();
  const bare = new Set<string>();
  const visit = (file: string) => {
    if (files.has(file)) return;
    files.add(file);
    const source = readFileSync(file, "utf8");
    for (const match of source.matchAll(IMPORT)) {
      const [, , typeOnly, specifier] = match;
      if (typeOnly || !specifier) continue;
      // `import { type A, type B } from` is type-only too.
      const names = match[0].slice(match[0].indexOf("{") + 1, match[0].lastIndexOf("}"));
      if (match[0].includes("{") && names.split(",").every((n) => !n.trim() || n.trim().startsWith("type "))) continue;
      if (!specifier.startsWith(".")) {
        bare.add(specifier);
        continue;
      }
      const base = join(dirname(file), specifier).replace(/\.js$/, "");
      const candidates = [`${base}.ts`, `${base}.tsx`, join(base, "index.ts")];
      const found = candidates.find((path) => {
        try {
          readFileSync(path);
          return true;
        } catch {
          return false;
        }
      });
      if (found) visit(found);
    }
  };
  visit(entry);
  return { files, bare };
}

describe("headway/client and headway/react load in a browser", () => {
  for (const entry of ["src/client/index.ts", "src/react/index.ts"]) {
    it(`${entry} pulls in no node-only module and nothing outside client/react and the pure core`, () => {
      const { files, bare } = runtimeGraph(join(ROOT, entry));
      // The walk really followed the imports: the streaming code and its parser are in the graph.
      expect([...files].some((f) => f.endsWith("src/client/subscription.ts"))).toBe(true);
      expect(bare.has("eventsource-parser")).toBe(true);
      // The core is pure TypeScript; anything of it that needs a package (zod) shows up in `bare` below.
      const outside = [...files]
        .map((f) => f.slice(ROOT.length + 1))
        .filter((f) => !/^src\/(client|react|core)\//.test(f));
      expect(outside).toEqual([]);
      expect([...bare].filter((name) => !["eventsource-parser", "react", "react/jsx-runtime"].includes(name))).toEqual(
        [],
      );
    });
  }
});
