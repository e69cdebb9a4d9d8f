// The parts of @platformatic/kafka the producer uses, loaded from their own modules: the package's
// index also loads its admin and consumer clients, whose option schemas are compiled (ajv) as they
// load, a large share of a short publish's start-up (docs/performance.md). The modules are the
// index's own files (same instances as the index would give), found next to it; if the layout ever
// differs, the index is loaded instead.
import {createRequire} from 'node:module'

type Library = typeof import('@platformatic/kafka')

/** What platformatic-producer.ts and produce-request.ts take from the library. */
export type ProducerLibrary = Pick<
  Library,
  | 'Producer'
  | 'kGetApi'
  | 'Writer'
  | 'groupByProperty'
  | 'crc32c'
  | 'compressionsAlgorithms'
  | 'createAPI'
  | 'produceV9'
  | 'produceV10'
  | 'produceV11'
  | 'compatibilityPartitioner'
>

/** Each module below the package's dist/ and what it gives. */
const PARTS = {
  'clients/producer/index.js': ['Producer', 'compatibilityPartitioner'],
  'clients/base/base.js': ['kGetApi'],
  'protocol/writer.js': ['Writer'],
  'utils.js': ['groupByProperty'],
  'protocol/crc32c.js': ['crc32c'],
  'protocol/compression.js': ['compressionsAlgorithms'],
  'apis/definitions.js': ['createAPI'],
} as const
const PRODUCE_VERSIONS = {
  produceV9: 'apis/producer/produce-v9.js',
  produceV10: 'apis/producer/produce-v10.js',
  produceV11: 'apis/producer/produce-v11.js',
} as const

export async function loadProducerLibrary(): Promise<ProducerLibrary> {
  try {
    const index = new URL(`file://${createRequire(import.meta.url).resolve('@platformatic/kafka')}`)
    const load = (path: string) => import(new URL(path, index).href) as Promise<Record<string, unknown>>
    const library: Record<string, unknown> = {}
    await Promise.all([
      ...Object.entries(PARTS).map(async ([path, names]) => {
        const module = await load(path)
        for (const name of names) library[name] = module[name]
      }),
      ...Object.entries(PRODUCE_VERSIONS).map(async ([name, path]) => {
        library[name] = await load(path)
      }),
    ])
    const missing = [...Object.values(PARTS).flat(), ...Object.keys(PRODUCE_VERSIONS)].filter((name) => library[name] === undefined)
    if (missing.length === 0) return library as ProducerLibrary
  } catch {
    // another layout: the index below
  }
  return import('@platformatic/kafka')
}
