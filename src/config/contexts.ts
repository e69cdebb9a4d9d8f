// Named contexts (kubectl's and kafkactl's model): a name for a broker URL, kept in
// `${XDG_CONFIG_HOME:-~/.config}/mqkit/contexts.json`, one of them optionally current.
// `mqkit context add|use|remove|list|show` edit and read the file; every broker command picks its
// URL with selectUrl() below.
//
// The file may hold a password (`context add --allow-plain-password`), so what mqkit writes is
// private to the user whatever the umask: the folder 0700 when mqkit creates it, the file 0600
// every time it is written (a new file renamed over the old one).
import {chmodSync, mkdirSync, readFileSync, renameSync, rmSync, statSync, writeFileSync} from 'node:fs'
import os from 'node:os'
import path from 'node:path'
import {MqkitError, UsageError} from '../errors.js'
import {parseUrl} from '../url.js'
import {displayContextUrl, expandReferences, hasLiteralSecret, referencedVariables} from './context-url.js'

/** @default 0o700 — the mqkit config folder, when mqkit creates it. */
export const CONTEXTS_FOLDER_MODE = 0o700
/** @default 0o600 — contexts.json, whenever mqkit writes it. */
export const CONTEXTS_FILE_MODE = 0o600
/** The file's format version; a file of a newer one is refused rather than rewritten without its fields. */
export const CONTEXTS_FILE_VERSION = 1

/** Letters, digits, ".", "_", "-"; not starting with "-" (it would read as a flag). */
const CONTEXT_NAME = /^[A-Za-z0-9_][A-Za-z0-9._-]{0,63}$/

export interface ContextsDocument {
  version: typeof CONTEXTS_FILE_VERSION
  current?: string
  contexts: Record<string, {url: string}>
}

/** A context as printed: its URL with literal secrets redacted (`${NAME}` references kept). */
export interface ContextView {
  name: string
  url: string
  current: boolean
}

/** `${XDG_CONFIG_HOME:-~/.config}/mqkit/contexts.json`. */
export function contextsPath(env: NodeJS.ProcessEnv = process.env): string {
  const configHome = env.XDG_CONFIG_HOME ? env.XDG_CONFIG_HOME : path.join(os.homedir(), '.config')
  return path.join(path.resolve(configHome), 'mqkit', 'contexts.json')
}

/** The file's contexts; none when it does not exist. A file that is not a contexts file is a UsageError. */
export function loadContexts(file: string = contextsPath()): ContextsDocument {
  let text: string
  try {
    text = readFileSync(file, 'utf8')
  } catch (error) {
    if ((error as NodeJS.ErrnoException).code === 'ENOENT') return {version: CONTEXTS_FILE_VERSION, contexts: {}}
    throw new UsageError(`cannot read the contexts file ${file} (${(error as NodeJS.ErrnoException).code ?? error})`, {cause: error})
  }
  let parsed: unknown
  try {
    parsed = JSON.parse(text)
  } catch (error) {
    throw new UsageError(`the contexts file ${file} is not valid JSON; fix or remove it`, {cause: error})
  }
  return checkedDocument(parsed, file)
}

/** Write the whole document: a new 0600 file renamed over the old, in folders made 0700 if missing. */
export function saveContexts(document: ContextsDocument, file: string = contextsPath()): void {
  const staging = `${file}.${process.pid}.tmp`
  try {
    createFolders(path.dirname(file))
    writeFileSync(staging, `${JSON.stringify(document, null, 2)}\n`, {mode: CONTEXTS_FILE_MODE})
    chmodSync(staging, CONTEXTS_FILE_MODE) // open's mode is filtered by the umask
    renameSync(staging, file)
  } catch (error) {
    rmSync(staging, {force: true})
    throw new MqkitError(`cannot write the contexts file ${file} (${(error as NodeJS.ErrnoException).code ?? error})`, {cause: error})
  }
}

/**
 * The missing folders of `folder`, outermost first, each made 0700 (chmod too: mkdir's mode is
 * filtered by the umask). One mkdir each rather than `recursive: true`, which on Node 20 can spin
 * forever on a parent that refuses the child with ENOENT (see src/drivers/local/paths.ts).
 */
function createFolders(folder: string): void {
  const missing: string[] = []
  for (let current = folder; !isFolder(current); current = path.dirname(current)) {
    missing.push(current)
    if (path.dirname(current) === current) break
  }
  for (const created of missing.reverse()) {
    mkdirSync(created, {mode: CONTEXTS_FOLDER_MODE})
    chmodSync(created, CONTEXTS_FOLDER_MODE)
  }
}

export interface AddContextOptions {
  /** Replace a context of that name. */
  replace?: boolean
  /** Make it the current context. */
  use?: boolean
  /** Store a URL that holds a password written out (rather than as a `${NAME}` reference). */
  allowPlainPassword?: boolean
}

export interface AddedContext extends ContextView {
  replaced: boolean
  file: string
}

export function addContext(name: string, url: string, options: AddContextOptions = {}, file: string = contextsPath()): AddedContext {
  checkName(name)
  checkUrl(name, url)
  if (hasLiteralSecret(url) && !options.allowPlainPassword) {
    throw new UsageError(
      `the URL of context "${name}" holds a password, which would be stored in plain text in ${file}: write \${VARIABLE} in its place (an environment variable, read each time the context is used; single-quote the URL), or add --allow-plain-password`,
    )
  }
  const document = loadContexts(file)
  const replaced = name in document.contexts
  if (replaced && !options.replace)
    throw new UsageError(`context "${name}" exists (${displayContextUrl(document.contexts[name].url)}); add --force to replace it`)
  document.contexts[name] = {url}
  if (options.use) document.current = name
  saveContexts(document, file)
  return {name, url: displayContextUrl(url), current: document.current === name, replaced, file}
}

export interface UsedContext {
  /** The current context now (undefined: none). */
  current?: string
  url?: string
  previous?: string
  file: string
}

/** Make `name` the current context, or with undefined stop having one. */
export function useContext(name: string | undefined, file: string = contextsPath()): UsedContext {
  const document = loadContexts(file)
  const previous = document.current
  if (name === undefined) delete document.current
  else {
    contextUrl(document, name, file)
    document.current = name
  }
  saveContexts(document, file)
  const url = name === undefined ? undefined : displayContextUrl(document.contexts[name].url)
  return {...(name === undefined ? {} : {current: name, url}), ...(previous === undefined ? {} : {previous}), file}
}

export interface RemovedContext {
  name: string
  url: string
  /** It was the current context, so now there is none. */
  wasCurrent: boolean
  file: string
}

export function removeContext(name: string, file: string = contextsPath()): RemovedContext {
  const document = loadContexts(file)
  const url = contextUrl(document, name, file)
  delete document.contexts[name]
  const wasCurrent = document.current === name
  if (wasCurrent) delete document.current
  saveContexts(document, file)
  return {name, url: displayContextUrl(url), wasCurrent, file}
}

export interface ContextListing {
  file: string
  current?: string
  contexts: ContextView[]
}

export function listContexts(file: string = contextsPath()): ContextListing {
  const document = loadContexts(file)
  const contexts = Object.entries(document.contexts)
    .map(([name, {url}]) => ({name, url: displayContextUrl(url), current: name === document.current}))
    .sort((a, b) => a.name.localeCompare(b.name))
  return {file, ...(document.current === undefined ? {} : {current: document.current}), contexts}
}

/** The context names, sorted (for shell completion); none when the file is missing or unreadable. */
export function contextNames(file: string = contextsPath()): string[] {
  try {
    return Object.keys(loadContexts(file).contexts).sort()
  } catch {
    return []
  }
}

export interface ContextDetails extends ContextView {
  /** What selects it when no NAME was asked for: MQKIT_CONTEXT, or the current context. */
  selectedBy?: 'MQKIT_CONTEXT' | 'current context'
  /** The environment variables its URL refers to, and whether each is set (never their values). */
  variables: Array<{name: string; set: boolean}>
  file: string
}

/** One context: `name`, else the one commands use (MQKIT_CONTEXT, then the current context). */
export function showContext(name: string | undefined, env: NodeJS.ProcessEnv = process.env, file: string = contextsPath(env)): ContextDetails {
  const document = loadContexts(file)
  let selectedBy: ContextDetails['selectedBy']
  if (name === undefined) {
    if (env.MQKIT_CONTEXT) [name, selectedBy] = [env.MQKIT_CONTEXT, 'MQKIT_CONTEXT']
    else if (document.current !== undefined) [name, selectedBy] = [document.current, 'current context']
    else throw new UsageError('no context in use (no current context, MQKIT_CONTEXT not set); choose one with: mqkit context use NAME')
  }
  const url = contextUrl(document, name, file, selectedBy)
  const variables = referencedVariables(url, name).map((variable) => ({name: variable, set: Boolean(env[variable])}))
  return {name, url: displayContextUrl(url), current: document.current === name, ...(selectedBy ? {selectedBy} : {}), variables, file}
}

/** Where a command's URL came from, strongest first. */
export type UrlSource = '--url' | '--context' | 'MQKIT_URL' | 'MQKIT_CONTEXT' | 'current context'

export interface SelectedUrl {
  /** Ready to connect to: references expanded (may hold a password: print it only through redactUrl). */
  url: string
  source: UrlSource
  /** The context it came from, if any. */
  context?: string
}

/**
 * The URL a broker command uses: --url, else --context NAME, else MQKIT_URL, else MQKIT_CONTEXT,
 * else the current context; undefined when none is given (the command's own default applies).
 * An empty flag or variable counts as not given. The contexts file is read only when needed.
 */
export function selectUrl(
  flags: {url?: string; context?: string},
  env: NodeJS.ProcessEnv = process.env,
  file: string = contextsPath(env),
): SelectedUrl | undefined {
  if (flags.url) return {url: flags.url, source: '--url'}
  if (flags.context) return fromContext(flags.context, '--context', env, file)
  if (env.MQKIT_URL) return {url: env.MQKIT_URL, source: 'MQKIT_URL'}
  if (env.MQKIT_CONTEXT) return fromContext(env.MQKIT_CONTEXT, 'MQKIT_CONTEXT', env, file)
  const current = loadContexts(file).current
  return current === undefined ? undefined : fromContext(current, 'current context', env, file)
}

function fromContext(name: string, source: UrlSource, env: NodeJS.ProcessEnv, file: string): SelectedUrl {
  const url = contextUrl(loadContexts(file), name, file, source)
  return {url: expandReferences(url, name, env), source, context: name}
}

/** The stored URL of `name`; an unknown name is a one-line UsageError listing the known ones. */
function contextUrl(document: ContextsDocument, name: string, file: string, source?: UrlSource): string {
  const found = Object.hasOwn(document.contexts, name) ? document.contexts[name] : undefined
  if (found !== undefined) return found.url
  const known = Object.keys(document.contexts).sort()
  const from = source === undefined || source === '--context' ? '' : ` (from ${source})`
  const choices = known.length === 0 ? `no contexts are defined in ${file}; add one with: mqkit context add NAME URL` : `known: ${known.join(', ')}`
  throw new UsageError(`unknown context "${name}"${from}; ${choices}`)
}

function checkName(name: string): void {
  if (!CONTEXT_NAME.test(name)) {
    throw new UsageError(`a context name must be 1–64 letters, digits, ".", "_" or "-", not starting with "-" or ".", got "${name}"`)
  }
}

/** The URL must parse once its references are filled in (with "1", valid as a user, password, host or port). */
function checkUrl(name: string, url: string): void {
  referencedVariables(url, name)
  const filled = url.replace(/\$\{[A-Za-z_][A-Za-z0-9_]*\}/g, '1')
  try {
    parseUrl(filled, '')
  } catch (error) {
    throw new UsageError(`the URL of context "${name}" is not usable: ${(error as Error).message}`, {cause: error})
  }
}

function checkedDocument(parsed: unknown, file: string): ContextsDocument {
  const bad = (why: string) => new UsageError(`the contexts file ${file} ${why}; fix or remove it`)
  if (typeof parsed !== 'object' || parsed === null || Array.isArray(parsed)) throw bad('does not hold a JSON object')
  const {version, current, contexts} = parsed as Record<string, unknown>
  if (typeof version === 'number' && version > CONTEXTS_FILE_VERSION) {
    throw new UsageError(`the contexts file ${file} is of a newer mqkit (format version ${version}); upgrade mqkit to use it`)
  }
  if (typeof contexts !== 'object' || contexts === null || Array.isArray(contexts)) throw bad('has no "contexts" object')
  const checked: ContextsDocument['contexts'] = {}
  for (const [name, entry] of Object.entries(contexts)) {
    const url = (entry as {url?: unknown} | null)?.url
    if (typeof url !== 'string') throw bad(`has no URL for the context "${name}"`)
    checked[name] = {url}
  }
  if (current !== undefined && typeof current !== 'string') throw bad('has a "current" that is not a name')
  return {version: CONTEXTS_FILE_VERSION, ...(current === undefined ? {} : {current}), contexts: checked}
}

function isFolder(folder: string): boolean {
  try {
    return statSync(folder).isDirectory()
  } catch {
    return false
  }
}
