// node scripts/bundle.js — run by `npm run build` after tsc, before the manifest. Replaces what
// oclif loads at start-up (dist/oclif.js, which bin/run.js imports, every dist/commands/**.js and
// dist/hooks/*.js) with esbuild bundles of the same files, @oclif/core and the small libraries
// included, sharing code through dist/chunks/. Node then reads a few ES modules instead of
// about 110 CommonJS modules of oclif and mqkit's own modules one by one (issue 16: start-up
// time; figures in docs/performance.md, "Start-up").
//
// Invariants:
// - One copy of oclif: bin/run.js's runner and every command and hook come from these bundles, so
//   the classes a command extends are the ones that run it. The rest of dist/ stays as tsc wrote it
//   (worker threads, child processes and tests use it).
// - The client libraries (amqplib, kafkajs, @platformatic/kafka, better-sqlite3, hdr-histogram-js)
//   stay in node_modules, imported where the drivers import them: a backend's library is loaded
//   only when a URL needs it (esbuild keeps each `import()` a separate chunk).
// - The bundled files keep their paths, so package.json and oclif.manifest.json do not change.
//
// Without esbuild (a devDependency) in node_modules, dist/ stays as tsc wrote it: everything works,
// only start-up is slower; it says so. It must run on a fresh tsc output: bundling a bundle fails.
import {readdirSync, readFileSync, rmSync, writeFileSync, mkdirSync} from 'node:fs'
import path from 'node:path'
import {fileURLToPath} from 'node:url'

const root = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '..')
const dist = path.join(root, 'dist')
/** First line of every file written here; also how a second run on the same dist/ is caught. */
const MARK = '// bundled by scripts/bundle.js'
const EXTERNAL = ['amqplib', 'kafkajs', '@platformatic/kafka', 'better-sqlite3', 'hdr-histogram-js', 'typescript', 'ts-node']

const entryFile = path.join(dist, 'oclif.js')
if (readFileSync(entryFile, 'utf8').startsWith(MARK)) {
  process.stderr.write('scripts/bundle.js: dist/ is bundled already; run the whole `npm run build` (tsc first)\n')
  process.exit(1)
}

// Chunks of an earlier bundle: never imported by a fresh tsc output, and not to be packed with it.
rmSync(path.join(dist, 'chunks'), {recursive: true, force: true})

let esbuild
try {
  esbuild = await import('esbuild')
} catch {
  process.stderr.write('scripts/bundle.js: esbuild is not installed (npm install): dist/ left unbundled, so mqkit starts slower\n')
  process.exit(0)
}

const jsUnder = (folder) =>
  readdirSync(path.join(dist, folder), {recursive: true, encoding: 'utf8'})
    .filter((file) => file.endsWith('.js'))
    .map((file) => path.join(folder, file))
/** Output name (relative to dist/, no extension) → input file. */
const entryPoints = Object.fromEntries(['oclif.js', ...jsUnder('commands'), ...jsUnder('hooks')].map((file) => [file.slice(0, -3), path.join(dist, file)]))

// src/bench/workers/workers.ts starts `new URL('./worker-main.js', import.meta.url)`: from a bundle that URL
// would be taken from the bundle's folder, so it is pointed at dist/bench/workers/ from one folder below
// dist/, and the build fails below if the code lands anywhere else.
const workersFile = path.join(dist, 'bench', 'workers', 'workers.js')
const workerUrl = "new URL('./worker-main.js', import.meta.url)"
const workerUrlPlugin = {
  name: 'worker-url',
  setup(build) {
    build.onLoad({filter: /[\\/]bench[\\/]workers[\\/]workers\.js$/}, (args) => {
      if (args.path !== workersFile) return undefined
      const source = readFileSync(args.path, 'utf8')
      if (!source.includes(workerUrl)) throw new Error(`${workerUrl} not found in ${args.path}: update scripts/bundle.js`)
      return {contents: source.replace(workerUrl, "new URL('../bench/workers/worker-main.js', import.meta.url)"), loader: 'js'}
    })
  },
}

const result = await esbuild.build({
  entryPoints,
  outdir: dist,
  entryNames: '[dir]/[name]',
  chunkNames: 'chunks/[name]-[hash]',
  bundle: true,
  splitting: true,
  format: 'esm',
  platform: 'node',
  target: 'node20',
  external: EXTERNAL,
  // oclif and its libraries are CommonJS and call require(); an ES module has none of its own.
  banner: {js: `${MARK}\nimport {createRequire as __mqkitCreateRequire} from 'node:module'\nconst require = __mqkitCreateRequire(import.meta.url)`},
  plugins: [workerUrlPlugin],
  metafile: true,
  write: false,
  logLevel: 'warning',
})

const depthBelowDist = (file) => path.relative(dist, file).split(path.sep).length - 1
for (const [output, meta] of Object.entries(result.metafile.outputs)) {
  const hasWorkers = Object.keys(meta.inputs).some((input) => path.resolve(root, input) === workersFile)
  if (hasWorkers && depthBelowDist(path.resolve(root, output)) !== 1)
    throw new Error(`${output} holds bench/workers/workers.js but is not one folder below dist/`)
}

for (const file of result.outputFiles) {
  mkdirSync(path.dirname(file.path), {recursive: true})
  writeFileSync(file.path, file.contents)
  // tsc's source map describes the file this one replaced.
  rmSync(`${file.path}.map`, {force: true})
}
const chunks = result.outputFiles.filter((file) => depthBelowDist(file.path) === 1 && path.basename(path.dirname(file.path)) === 'chunks').length
process.stderr.write(`scripts/bundle.js: ${Object.keys(entryPoints).length} entries bundled with @oclif/core, ${chunks} shared chunks in dist/chunks\n`)
