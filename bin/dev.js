#!/usr/bin/env node
// Development entry: rebuild first (`npm run build`), then run. Kept separate so run.js never compiles.
import {execute} from '@oclif/core'

await execute({development: true, dir: import.meta.url})
