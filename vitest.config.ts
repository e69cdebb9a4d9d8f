import {defineConfig} from 'vitest/config'

// Two projects run one after the other (sequence.groupOrder): the ground-truth tests (bench
// figures, capacity search and queueing predictions) ALONE, one file at a time, because they compare wall-clock figures with known truths (a 5 ms handling time's p50
// and p90 within 2 %, a rate within 1 %) that other test files busy on both cores would distort; and
// everything else, three files at a time (MQKIT_TEST_WORKERS): most of them wait on brokers (a
// private broker's boot, a restart, a timeout), and three keep two cores busy without starving them.
// Also ALONE: tests that time the machine itself (start skew of 4 shard processes, event-loop
// turns per millisecond), which a private broker booting in another file would distort.
const TRUTH = ['test/bench/ground-truth.test.ts', 'test/capacity/*.truth.test.ts', 'test/**/*.alone.test.ts']

export default defineConfig({
  test: {
    globalSetup: ['test/global-setup.ts'],
    // Broker round trips and child-process CLI runs: generous, but a hang still fails.
    testTimeout: 60_000,
    hookTimeout: 120_000,
    reporters: ['default'],
    projects: [
      {extends: true, test: {name: 'truth', include: TRUTH, fileParallelism: false, sequence: {groupOrder: 0}}},
      {
        extends: true,
        test: {
          name: 'main',
          include: ['test/**/*.test.ts'],
          exclude: [...TRUTH, '**/node_modules/**'],
          maxWorkers: Number(process.env.MQKIT_TEST_WORKERS ?? 3),
          sequence: {groupOrder: 1},
        },
      },
    ],
  },
})
