// Quoting for the generated scripts: any text (a summary, a value list) as one literal word.

/** POSIX single quotes, for bash and zsh: `it's` → `'it'\''s'`. */
export function shellQuote(text: string): string {
  return `'${text.replaceAll("'", `'\\''`)}'`
}

/** fish single quotes, where only \\ and \' are escapes: `it's` → `'it\'s'`. */
export function fishQuote(text: string): string {
  return `'${text.replaceAll(/[\\']/g, '\\$&')}'`
}
