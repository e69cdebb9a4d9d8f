// Reading saved bench results back (`mqkit report FILE...`): a --json document, or the last
// `{"type":"result"}` line of an --ndjson stream. Anything else is a usage error naming the file,
// so a wrong path or a foreign JSON file fails in one line with exit 2, not deep in a renderer.
import {readFileSync} from 'node:fs'
import path from 'node:path'
import {RESULT_SCHEMA, RESULT_SCHEMA_VERSION, type BenchResult} from './document.js'
import {UsageError} from '../errors.js'

export interface LoadedResult {
  /** Where it came from (the path as given; `-` for stdin). */
  file: string
  result: BenchResult
}

/** Keys a result must have for the renderers and merge to work on it. */
const REQUIRED_KEYS = ['meta', 'workload', 'throughput', 'latency', 'handling', 'queueLength', 'integrity', 'histograms'] as const

export function loadResult(file: string): LoadedResult {
  let text: string
  try {
    text = readFileSync(file === '-' ? 0 : file, 'utf8')
  } catch (error) {
    const code = (error as NodeJS.ErrnoException).code
    throw new UsageError(`cannot read ${file}: ${code === 'ENOENT' ? 'no such file' : code === 'EISDIR' ? 'is a directory' : (error as Error).message}`)
  }
  return {file, result: parseResult(text, file)}
}

export function parseResult(text: string, file: string): BenchResult {
  const document = parseDocument(text, file)
  if (typeof document !== 'object' || document === null || Array.isArray(document) || (document as {schema?: unknown}).schema !== RESULT_SCHEMA) {
    throw new UsageError(`${file} is not a mqkit bench result (no "schema": "${RESULT_SCHEMA}"; write one with mqkit bench --json)`)
  }
  const version = (document as {schemaVersion?: unknown}).schemaVersion
  if (version !== RESULT_SCHEMA_VERSION) {
    throw new UsageError(`${file} has result schema version ${JSON.stringify(version)}; this mqkit reads version ${RESULT_SCHEMA_VERSION}`)
  }
  const missing = REQUIRED_KEYS.filter((key) => typeof (document as Record<string, unknown>)[key] !== 'object')
  if (missing.length > 0) throw new UsageError(`${file} is an incomplete mqkit bench result (missing ${missing.join(', ')})`)
  // An --ndjson result line carries `type`; the document itself does not.
  const {type: _type, ...result} = document as BenchResult & {type?: string}
  return result as BenchResult
}

function parseDocument(text: string, file: string): unknown {
  try {
    return JSON.parse(text)
  } catch (error) {
    // --ndjson output: one interval object per line, the result last.
    const lines = text.split('\n').filter((line) => line.trim() !== '')
    if (lines.length > 1) {
      for (let i = lines.length - 1; i >= 0; i--) {
        try {
          const line = JSON.parse(lines[i]) as {type?: unknown}
          if (line?.type === 'result') return line
        } catch {
          break
        }
      }
    }
    throw new UsageError(`${file} is not JSON (${(error as Error).message.split('\n')[0]}); expected the output of mqkit bench --json`)
  }
}

/** File names as labels (merge sources, comparison columns); full paths only when two files share a name. */
export function labelsFor(files: string[]): string[] {
  const names = files.map((file) => (file === '-' ? 'stdin' : path.basename(file)))
  return names.map((name, i) => (names.indexOf(name) === names.lastIndexOf(name) ? name : files[i]))
}
