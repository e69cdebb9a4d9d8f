#!/usr/bin/env node
// Production entry: runs the compiled commands in dist/ (built by `npm run build`, which `npm ci` runs via `prepare`).
import {execute} from '@oclif/core'

await execute({dir: import.meta.url})
