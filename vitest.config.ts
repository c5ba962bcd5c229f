import { defineConfig } from "vitest/config";

export default defineConfig({
  test: {
    include: ["test/**/*.test.ts"],
    globalSetup: ["test/support/global-setup.ts"],
    testTimeout: 30_000,
    hookTimeout: 60_000,
    // Test files share one database (a fresh PostgreSQL database per run, or one embedded PGlite
    // served over a socket); each file creates its own publishers, so files can run in parallel.
    fileParallelism: true,
    maxWorkers: 2,
  },
});
