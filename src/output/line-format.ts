// consume --format: kcat's -f output format. A format string is compiled once into parts (text and
// fields), so writing a message is a Buffer.concat, not a parse per message. Bodies are written as
// bytes, unchanged; other fields as UTF-8 text. No newline is added: the format says where lines
// end, as with kcat (`-f '%k\t%s\n'`).
import type {Delivery} from '../drivers/types.js'
import {UsageError} from '../errors.js'
import {BACKSLASH_ESCAPES, BACKSLASH_ESCAPES_TEXT} from '../flag-grammars.js'

type Field = (delivery: Delivery) => Buffer | string

/** The tokens, as kcat spells them. Fields a backend does not have print as empty text. */
const FIELDS: Record<string, {field: Field; help: string}> = {
  s: {field: (d) => d.body, help: 'body (bytes unchanged)'},
  S: {field: (d) => String(d.body.length), help: 'body size, bytes'},
  k: {field: (d) => d.key ?? '', help: 'key'},
  K: {field: (d) => (d.key === undefined ? '-1' : String(Buffer.byteLength(d.key))), help: 'key size, bytes (-1: none)'},
  t: {field: (d) => d.queue, help: 'topic or queue'},
  p: {field: (d) => (d.partition === undefined ? '' : String(d.partition)), help: 'partition'},
  o: {field: (d) => d.offset ?? '', help: 'offset'},
  T: {field: (d) => String(d.timestampMs), help: 'timestamp, epoch ms (0: unknown)'},
  h: {
    field: (d) =>
      Object.entries(d.headers)
        .map(([name, value]) => `${name}=${value}`)
        .join(','),
    help: 'headers as name=value,…',
  },
}

/** What `--format` accepts, for its help text and its error. */
export const FORMAT_TOKENS = `${Object.entries(FIELDS)
  .map(([token, {help}]) => `%${token} ${help}`)
  .join(', ')}, %% a percent sign; escapes ${BACKSLASH_ESCAPES_TEXT}`

/** Compile a kcat-style format; UsageError (exit 2) naming an unknown token or a dangling % or \. */
export function compileLineFormat(format: string): (delivery: Delivery) => Buffer {
  const parts: Array<Buffer | Field> = []
  let text = ''
  const endText = () => {
    if (text) parts.push(Buffer.from(text, 'utf8'))
    text = ''
  }
  for (let i = 0; i < format.length; i++) {
    const c = format[i]
    if (c !== '%' && c !== '\\') {
      text += c
      continue
    }
    const next = format[++i]
    if (next === undefined) throw new UsageError(`--format ends with a lone "${c}"; use ${c}${c} for the character itself`)
    if (c === '\\') {
      const escaped = BACKSLASH_ESCAPES[next]
      if (escaped === undefined) throw new UsageError(`--format: unknown escape "\\${next}" (known: ${BACKSLASH_ESCAPES_TEXT})`)
      text += escaped
    } else if (next === '%') {
      text += '%'
    } else {
      const token = FIELDS[next]
      if (token === undefined)
        throw new UsageError(
          `--format: unknown token "%${next}" (known: ${Object.keys(FIELDS)
            .map((t) => `%${t}`)
            .join(' ')} %%)`,
        )
      endText()
      parts.push(token.field)
    }
  }
  endText()
  return (delivery) =>
    Buffer.concat(
      parts.map((part) => {
        if (Buffer.isBuffer(part)) return part
        const value = part(delivery)
        return typeof value === 'string' ? Buffer.from(value, 'utf8') : value
      }),
    )
}
