// Every string taken from a result (URLs, queue names, host names, warnings, file labels) goes
// through here before it lands in HTML or SVG: a result file is input, not trusted markup.
const ENTITIES: Record<string, string> = {'&': '&amp;', '<': '&lt;', '>': '&gt;', '"': '&quot;', "'": '&#39;'}

export function escapeHtml(value: unknown): string {
  return String(value).replace(/[&<>"']/g, (ch) => ENTITIES[ch])
}
