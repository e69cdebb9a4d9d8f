#!/usr/bin/env node
// Development entry: rebuild first (`npm run build`), then run. Kept separate so run.js never compiles.
// oclif from dist/oclif.js, as run.js: the build bundles it with the commands, which must be run by
// the same copy of oclif they extend.
import {execute} from '../dist/oclif.js'

// As run.js: a lone --version goes to the `version` word, which also names the client libraries.
const args = process.argv.slice(2)
await execute({development: true, dir: import.meta.url, args: args.length === 1 && args[0] === '--version' ? ['version'] : args})
