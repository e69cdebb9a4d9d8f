#!/usr/bin/env node
// Production entry: runs the compiled commands in dist/ (built by `npm run build`, which `npm ci` runs via `prepare`).
import {execute} from '@oclif/core'

// A lone --version goes to the `version` word (src/hooks/command-not-found.ts), which also names
// the client libraries; oclif's own --version prints only its user agent line.
const args = process.argv.slice(2)
await execute({dir: import.meta.url, args: args.length === 1 && args[0] === '--version' ? ['version'] : args})
