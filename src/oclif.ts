// The oclif runner bin/run.js starts. `npm run build` bundles this file, the commands and the hooks
// with @oclif/core (scripts/bundle.js), so they share one copy of oclif loaded from a few files
// instead of about a hundred CommonJS modules; without the bundle step it is a plain re-export.
export {execute} from '@oclif/core'
