// Where `publish` gets its messages: arguments, a file, stdin, or generated payloads.
// Every source is an async iterable of raw inputs, read lazily, so `tail -f log | mqkit publish q`
// streams and a large file is never held in memory. Bytes are passed through unchanged: input is
// split on "\n" (0x0a) only; a "\r" before it stays part of the message.
import {createReadStream} from 'node:fs'
import {InterruptedError, UsageError} from '../errors.js'
import type {InputIterator, RawInput} from './input.js'
import {ndjsonInputs} from './ndjson-input.js'

/** How file and stdin input becomes messages (--input). */
export type InputMode = 'lines' | 'whole' | 'ndjson'

export type SourceSpec =
  | {kind: 'args'; messages: string[]; count?: number}
  | {kind: 'file'; path: string; mode: InputMode; count?: number}
  | {kind: 'stdin'; mode: InputMode; count?: number}
  | {kind: 'generated'; count: number; sizeBytes: number}

/** @default 100 — the payload size when --count is given without --size. */
export const DEFAULT_GENERATED_SIZE_BYTES = 100

const NEWLINE = 0x0a

/** Split a byte stream into lines on "\n"; the final segment counts only when it is non-empty. */
export async function* splitLines(chunks: AsyncIterable<Buffer | string>): AsyncGenerator<Buffer> {
  for await (const lines of lineRuns(chunks)) yield* lines
}

/**
 * splitLines a chunk at a time: the complete lines of each chunk as one array (possibly empty).
 * Each step of an async iterator costs promises and microtasks; a publish of short lines pays
 * them per chunk here, and once per line only in the one generator that yields messages.
 */
async function* lineRuns(chunks: AsyncIterable<Buffer | string>): AsyncGenerator<Buffer[]> {
  let pending: Buffer[] = []
  for await (const chunk of chunks) {
    const buffer = typeof chunk === 'string' ? Buffer.from(chunk) : chunk
    const lines: Buffer[] = []
    let start = 0
    let at = buffer.indexOf(NEWLINE)
    while (at >= 0) {
      if (pending.length === 0) lines.push(buffer.subarray(start, at))
      else {
        pending.push(buffer.subarray(start, at))
        lines.push(Buffer.concat(pending))
        pending = []
      }
      start = at + 1
      at = buffer.indexOf(NEWLINE, start)
    }
    if (start < buffer.length) pending.push(buffer.subarray(start))
    yield lines
  }
  if (pending.length > 0) yield [Buffer.concat(pending)]
}

/**
 * Lines mode: each line as a message (split at the key delimiter), the first `count` only. The
 * lines of a chunk are read at once; nextBuffered() hands them out one by one without an async
 * step (a promise and a generator resume per line were a large share of a publish of short lines).
 */
function lineInputs(open: () => Promise<AsyncIterable<Buffer | string>>, keyDelimiter: string | undefined, count: number | undefined): InputIterator {
  let runs: AsyncGenerator<Buffer[]> | undefined
  let lines: Buffer[] = []
  let at = 0
  let taken = 0
  /** The count was reached, or the iterator was returned: no more inputs. */
  let finished = count !== undefined && count <= 0
  const nextBuffered = (): RawInput | undefined => {
    if (finished || at >= lines.length) return undefined
    const input = splitKey(lines[at++], keyDelimiter)
    if (++taken === count) finished = true
    return input
  }
  const end = async (): Promise<IteratorResult<RawInput>> => {
    finished = true
    lines = []
    // Closes the source (a file stream) as a for-await that stops early does.
    await runs?.return(undefined)
    return {done: true, value: undefined}
  }
  const iterator: InputIterator = {
    async next() {
      for (;;) {
        const input = nextBuffered()
        if (input !== undefined) return {done: false, value: input}
        if (finished) return end()
        runs ??= lineRuns(await open())
        const run = await runs.next()
        if (run.done) return end()
        lines = run.value
        at = 0
      }
    },
    nextBuffered,
    return: end,
    [Symbol.asyncIterator]: () => iterator,
  }
  return iterator
}

async function* whole(chunks: AsyncIterable<Buffer | string>): AsyncGenerator<Buffer> {
  const parts: Buffer[] = []
  for await (const chunk of chunks) parts.push(typeof chunk === 'string' ? Buffer.from(chunk) : chunk)
  yield Buffer.concat(parts)
}

/**
 * A printable payload of exactly `sizeBytes`: the sequence number, then filler. Printable so that
 * `consume` output stays readable; numbered so that loss or reordering is visible by eye.
 */
export function generatedPayload(sequence: number, sizeBytes: number): Buffer {
  // From Node's shared slab (sizes below 4 KiB), every byte then written: a message costs a copy,
  // not an ArrayBuffer of its own zeroed and filled (with the zeroing, a fifth of a 1 KiB publish's CPU).
  const body = Buffer.allocUnsafe(sizeBytes)
  body.fill(0x2e) // '.'
  body.write(String(sequence).slice(0, sizeBytes), 0, 'latin1')
  return body
}

/** The first `count` items; all of them, without another async step per item, when `count` is undefined. */
function take<T>(items: AsyncIterable<T>, count: number | undefined): AsyncIterable<T> {
  return count === undefined ? items : takeFirst(items, count)
}

async function* takeFirst<T>(items: AsyncIterable<T>, count: number): AsyncGenerator<T> {
  if (count <= 0) return
  let taken = 0
  for await (const item of items) {
    yield item
    if (++taken >= count) return
  }
}

async function* bodies(spec: SourceSpec, stdin: AsyncIterable<Buffer | string>): AsyncGenerator<Buffer> {
  switch (spec.kind) {
    case 'args': {
      if (spec.messages.length === 0) return
      // With --count, the arguments repeat in turn until `count` messages were produced.
      const total = spec.count ?? spec.messages.length
      const encoded = spec.messages.map((m) => Buffer.from(m, 'utf8'))
      for (let i = 0; i < total; i++) yield encoded[i % encoded.length]
      return
    }
    case 'file': {
      const stream = await openFile(spec.path)
      yield* take(spec.mode === 'whole' ? whole(stream) : splitLines(stream), spec.count)
      return
    }
    case 'stdin':
      yield* take(spec.mode === 'whole' ? whole(stdin) : splitLines(stdin), spec.count)
      return
    case 'generated':
      for (let i = 1; i <= spec.count; i++) yield generatedPayload(i, spec.sizeBytes)
  }
}

async function openFile(path: string): Promise<AsyncIterable<Buffer>> {
  const stream = createReadStream(path)
  await new Promise<void>((resolve, reject) => {
    stream.once('open', () => resolve())
    stream.once('error', (error: NodeJS.ErrnoException) =>
      reject(new UsageError(`--file cannot be read: "${path}" (${error.code ?? error.message})`, {cause: error})),
    )
  })
  return stream
}

/** Split `line` at the first `delimiter` into key and body; a line without it has no key. */
export function splitKey(line: Buffer, delimiter: string | undefined): RawInput {
  if (delimiter === undefined || delimiter === '') return {body: line}
  const at = line.indexOf(delimiter)
  if (at < 0) return {body: line}
  return {key: line.subarray(0, at).toString('utf8'), body: line.subarray(at + Buffer.byteLength(delimiter))}
}

export function readInputs(spec: SourceSpec, options: {keyDelimiter?: string; stdin?: AsyncIterable<Buffer | string>} = {}): InputIterator {
  // Lines of a file or stdin, the large inputs: one generator between the bytes and the messages.
  if (spec.kind === 'file' && spec.mode === 'lines') return lineInputs(() => openFile(spec.path), options.keyDelimiter, spec.count)
  if (spec.kind === 'stdin' && spec.mode === 'lines') return lineInputs(async () => options.stdin ?? process.stdin, options.keyDelimiter, spec.count)
  return otherInputs(spec, options)
}

async function* otherInputs(spec: SourceSpec, options: {keyDelimiter?: string; stdin?: AsyncIterable<Buffer | string>}): AsyncGenerator<RawInput> {
  const stdin = options.stdin ?? process.stdin
  if (spec.kind === 'file' && spec.mode === 'ndjson') {
    yield* take(ndjsonInputs(splitLines(await openFile(spec.path)), `--file "${spec.path}"`), spec.count)
    return
  }
  if (spec.kind === 'stdin' && spec.mode === 'ndjson') {
    yield* take(ndjsonInputs(splitLines(stdin), 'stdin'), spec.count)
    return
  }
  for await (const body of bodies(spec, stdin)) yield splitKey(body, options.keyDelimiter)
}

/**
 * Reads of an input iterator that give up (undefined) as soon as `signal` aborts: stdin may never
 * send another line. One abort listener for all the reads, handed the current one (adding and
 * removing one per read is a measurable share of a publish's CPU); dispose() removes it.
 */
export function abortableReads<T>(
  iterator: AsyncIterator<T>,
  signal: AbortSignal | undefined,
): {next: () => Promise<IteratorResult<T> | undefined>; dispose: () => void} {
  if (signal === undefined) return {next: () => iterator.next(), dispose: () => {}}
  let abortRead: (() => void) | undefined
  const onAbort = () => abortRead?.()
  signal.addEventListener('abort', onAbort, {once: true})
  return {
    next: () => {
      if (signal.aborted) return Promise.resolve(undefined)
      return new Promise((resolve, reject) => {
        abortRead = () => resolve(undefined)
        iterator.next().then(resolve, reject)
      })
    },
    dispose: () => signal.removeEventListener('abort', onAbort),
  }
}

/**
 * Read the first input before anything connects, so that "no messages" is a usage error
 * (exit 2) rather than a connection failure, and the rest streams afterwards. Ctrl-C while stdin
 * has sent nothing yet ends the wait (exit 130), not stdin's end much later.
 */
export async function primeInputs(inputs: InputIterator, emptyHint: string, signal?: AbortSignal): Promise<InputIterator> {
  const reads = abortableReads(inputs, signal)
  let first: IteratorResult<RawInput> | undefined
  try {
    first = await reads.next()
  } finally {
    reads.dispose()
  }
  if (first === undefined) throw signal?.reason instanceof Error ? signal.reason : new InterruptedError('interrupted')
  if (first.done) throw new UsageError(`no messages: ${emptyHint}`)
  // The first input, then the source's own next(): no generator around it (an async step per message).
  let primed: RawInput | undefined = first.value
  const nextBuffered = inputs.nextBuffered?.bind(inputs)
  const primedInputs: InputIterator = {
    next: () => {
      if (primed === undefined) return inputs.next()
      const value = primed
      primed = undefined
      return Promise.resolve({done: false, value})
    },
    ...(nextBuffered === undefined
      ? {}
      : {
          nextBuffered: () => {
            if (primed === undefined) return nextBuffered()
            const value = primed
            primed = undefined
            return value
          },
        }),
    return: (value?: unknown) => {
      primed = undefined
      return inputs.return(value)
    },
    [Symbol.asyncIterator]: () => primedInputs,
  }
  return primedInputs
}

export interface SourceChoice {
  messages: string[]
  file?: string
  /** --input: lines (default), whole, ndjson. */
  input?: InputMode
  count?: number
  sizeBytes?: number
  stdinIsTTY: boolean
}

/** Turn the publish flags into one source; conflicting combinations are usage errors. */
export function chooseSource(choice: SourceChoice): SourceSpec {
  const mode = choice.input ?? 'lines'
  if (mode === 'ndjson') return ndjsonSource(choice)
  if (choice.messages.length > 0 && choice.file !== undefined) {
    throw new UsageError('give MESSAGE arguments or --file, not both')
  }
  if (choice.sizeBytes !== undefined && (choice.messages.length > 0 || choice.file !== undefined)) {
    throw new UsageError('--size sets the size of generated payloads; it cannot be combined with MESSAGE arguments or --file')
  }
  if (choice.messages.length > 0) return {kind: 'args', messages: choice.messages, count: choice.count}
  if (choice.file === '-') return {kind: 'stdin', mode, count: choice.count}
  if (choice.file !== undefined) return {kind: 'file', path: choice.file, mode, count: choice.count}
  if (choice.count !== undefined) {
    return {kind: 'generated', count: choice.count, sizeBytes: choice.sizeBytes ?? DEFAULT_GENERATED_SIZE_BYTES}
  }
  if (choice.sizeBytes !== undefined) throw new UsageError('--size needs --count N (how many payloads to generate)')
  // Never wait on a terminal: a user who typed `mqkit publish q` by mistake gets help, not a hang.
  if (choice.stdinIsTTY) throw new UsageError(`no messages: ${NO_MESSAGES_HINT}`)
  return {kind: 'stdin', mode, count: choice.count}
}

/** --input ndjson reads records from --file or stdin; --count takes the first N records. */
function ndjsonSource(choice: SourceChoice): SourceSpec {
  if (choice.messages.length > 0) throw new UsageError('--input ndjson reads records from --file or stdin, not MESSAGE arguments')
  if (choice.sizeBytes !== undefined) throw new UsageError('--size sets the size of generated payloads; it cannot be combined with --input ndjson')
  if (choice.file !== undefined && choice.file !== '-') return {kind: 'file', path: choice.file, mode: 'ndjson', count: choice.count}
  if (choice.file === undefined && choice.stdinIsTTY)
    throw new UsageError('no messages: --input ndjson reads the lines of mqkit consume --json from stdin or --file FILE')
  return {kind: 'stdin', mode: 'ndjson', count: choice.count}
}

export const NO_MESSAGES_HINT = 'give MESSAGE arguments, --file FILE, --count N, or pipe lines on stdin'

/** What to say when a source turned out empty. */
export function emptyHint(spec: SourceSpec): string {
  switch (spec.kind) {
    case 'stdin':
      return `stdin was empty; ${NO_MESSAGES_HINT}`
    case 'file':
      return `--file "${spec.path}" is empty`
    default:
      return NO_MESSAGES_HINT
  }
}
