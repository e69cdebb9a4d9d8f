import {defineConfig} from 'vitest/config'

export default defineConfig({
  test: {
    include: ['test/**/*.test.ts'],
    globalSetup: ['test/global-setup.ts'],
    // Broker round trips and child-process CLI runs: generous, but a hang still fails.
    testTimeout: 60_000,
    hookTimeout: 120_000,
    // Two cores: run files two at a time so brokers and load tests don't starve each other.
    maxWorkers: 2,
    reporters: ['default'],
  },
})
