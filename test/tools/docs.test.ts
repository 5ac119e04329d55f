import { readFileSync } from "node:fs";
import { join } from "node:path";
import { describe, expect, it } from "vitest";
import { manageProgressInputShape } from "../../src/tools/tool-input.js";

const read = (path: string) => readFileSync(join(process.cwd(), path), "utf8");

describe("what the docs promise about the tool", () => {
  it("docs/agents.md names every argument manage-progress takes", () => {
    const doc = read("docs/agents.md");
    for (const name of Object.keys(manageProgressInputShape)) expect(doc).toContain(`\`${name}`);
  });

  it("the README lists the deliberate differences from agent-native, each with its reason", () => {
    const readme = read("README.md");
    const start = readme.indexOf("## Coming from agent-native");
    expect(start).toBeGreaterThan(0);
    const section = readme.slice(start, readme.indexOf("\n## ", start + 1));
    expect(section).toContain("| | agent-native | Headway | why |");
    const rows = section.split("\n").filter((line) => line.startsWith("| ") && !line.startsWith("| |"));
    expect(rows.length).toBeGreaterThanOrEqual(10);
    // Each row fills all four cells: what, agent-native, Headway, and why.
    for (const row of rows) expect(row.split(" | ").filter((cell) => cell.trim().length > 1)).toHaveLength(4);
    for (const topic of [
      "NaN",
      "unknown field",
      "shallow-merged",
      "finished run",
      "cursor",
      "manage-progress",
      "limit",
    ]) {
      expect(section).toContain(topic);
    }
  });
});
