// A context's URL as stored: it may refer to environment variables as `${NAME}`, so a secret can
// stay out of the contexts file (`amqp://app:${RABBIT_PASSWORD}@rabbit:5672`). References are
// expanded when a command uses the context, never when it is stored or shown.
import {UsageError} from '../errors.js'
import {redactUrl} from '../url.js'

/** `${…}`: whatever is between the braces is checked against VARIABLE_NAME. */
const REFERENCE = /\$\{([^}]*)\}/g
const VARIABLE_NAME = /^[A-Za-z_][A-Za-z0-9_]*$/

/** The variables `url` refers to, in order of first appearance; a malformed `${…}` is a UsageError. */
export function referencedVariables(url: string, contextName: string): string[] {
  const names: string[] = []
  for (const match of url.matchAll(REFERENCE)) {
    const name = checkedName(match[1], contextName)
    if (!names.includes(name)) names.push(name)
  }
  return names
}

/**
 * The URL with every `${NAME}` replaced by the variable's value. A value that lands in the user
 * and password part (before the authority's "@") is percent-encoded, so a password holding "@",
 * "/" or ":" still makes one URL (the drivers decode it); elsewhere (host, path, query) it is
 * inserted as written. An unset or empty variable is a UsageError naming it.
 */
export function expandReferences(url: string, contextName: string, env: NodeJS.ProcessEnv = process.env): string {
  const userInfoEnd = userInfoEndOf(url)
  return url.replace(REFERENCE, (_match, inner: string, offset: number) => {
    const name = checkedName(inner, contextName)
    const value = env[name]
    if (value === undefined || value === '') {
      throw new UsageError(`context "${contextName}" refers to the environment variable ${name}, which is not set`)
    }
    return offset < userInfoEnd ? encodeURIComponent(value) : value
  })
}

/**
 * Whether `url` holds a password or secret query value written out rather than referred to:
 * with every reference replaced by what redaction writes (`***`), redaction changes nothing
 * only if no secret is left. (An empty password, `user:@host`, counts as written out.)
 */
export function hasLiteralSecret(url: string): boolean {
  const referencesAsRedacted = url.replace(REFERENCE, '***')
  return redactUrl(referencesAsRedacted) !== referencesAsRedacted
}

/**
 * Safe to print: a URL whose secrets are all references is shown as stored (`${NAME}` says where
 * the password comes from, not what it is); any other is redacted whole, references included.
 */
export function displayContextUrl(url: string): string {
  return hasLiteralSecret(url) ? redactUrl(url) : url
}

function checkedName(inner: string, contextName: string): string {
  if (!VARIABLE_NAME.test(inner)) {
    throw new UsageError(
      `context "${contextName}": "\${${inner}}" is not a variable reference; write \${NAME} with a letter or "_" first, then letters, digits or "_"`,
    )
  }
  return inner
}

/** Index of the "@" ending the user and password part of `scheme://user:pass@host`, or 0 if none. */
function userInfoEndOf(url: string): number {
  const start = url.indexOf('://')
  if (start < 0) return 0
  const authorityStart = start + 3
  const rest = url.slice(authorityStart)
  const authorityLength = rest.search(/[/?#]/)
  const authority = authorityLength < 0 ? rest : rest.slice(0, authorityLength)
  const at = authority.lastIndexOf('@')
  return at < 0 ? 0 : authorityStart + at
}
