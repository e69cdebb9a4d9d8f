// The one line an error becomes on stderr ("mqkit: <line>"). Our errors are one line already;
// oclif's parse errors are several (a list of the missing arguments, "See more help with --help"),
// and a library's may be too: each is made one complete line here rather than cut at its first.
import {stripVTControlCharacters} from 'node:util'

/** What names the command in a hint: `mqkit consume`. */
export interface ErrorLineContext {
  bin: string
  commandId?: string
}

interface ParseErrorShape {
  message: string
  /** oclif's CLIParseError carries the parser's input; nothing else of ours has `parse`. */
  parse?: unknown
  /** RequiredArgsError: the arguments that are missing. */
  args?: Array<{name?: string}>
}

const OCLIF_HELP_HINT = 'See more help with --help'

/** oclif's wrapping of an error thrown by a flag's `parse` (src/flags.ts): `Parsing --NAME \n\t<message>\nSee more help with --help`. */
const FLAG_PARSE_WRAPPING = /^Parsing --[\w-]+ \n\t([\s\S]*)\nSee more help with --help$/

export function errorLine(error: Error, context: ErrorLineContext): string {
  const shape = error as ParseErrorShape
  if (shape.parse === undefined) return joinLines(flagParseMessage(error.message) || String(error))
  const hint = `(see ${context.bin}${context.commandId ? ` ${context.commandId}` : ''} --help)`
  if (Array.isArray(shape.args) && /^Missing \d+ required arg/.test(error.message)) {
    const names = shape.args.map((arg) => (arg.name ?? '?').toUpperCase())
    return `missing argument${names.length === 1 ? '' : 's'} ${names.join(', ')} ${hint}`
  }
  const text = error.message
    .split('\n')
    .filter((line) => line.trim() !== OCLIF_HELP_HINT)
    .join('\n')
  return `${joinLines(text)} ${hint}`
}

/** The message a flag's parser threw, without oclif's wrapping (the flag's name is in it already). */
export function flagParseMessage(message: string): string {
  return FLAG_PARSE_WRAPPING.exec(message)?.[1] ?? message
}

/**
 * Non-empty lines, trimmed, joined: "a:" then "b" reads "a: b"; other lines are separated by "; ".
 * Colour codes go (the caller colours the prefix only).
 */
export function joinLines(text: string): string {
  const lines = stripVTControlCharacters(text)
    .split('\n')
    .map((line) => line.trim())
    .filter((line) => line !== '')
  if (lines.length === 0) return 'unknown error'
  return lines.reduce((joined, line) => `${joined}${joined.endsWith(':') ? ' ' : '; '}${line}`)
}
