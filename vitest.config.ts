import { defineConfig } from "vitest/config";

export default defineConfig({
  test: {
    include: ["src/**/*.test.ts", "src/**/*.test.tsx", "test/**/*.test.ts", "test/**/*.test.tsx"],
    testTimeout: 30_000,
    hookTimeout: 60_000,
    pool: "forks",
    // A loaded CI machine renders pages slower than a laptop: polled expectations wait up to 10 s.
    expect: { poll: { timeout: 10_000 } },
  },
});
