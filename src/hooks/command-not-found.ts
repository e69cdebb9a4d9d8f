// oclif's command_not_found hook: what a first word that names no command means. `help [COMMAND]`
// and `version` are the words people type for --help and --version (and `-v` alone, as with node
// -v: inside a command -v is --verbose); anything else is a usage
// error in mqkit's own one-line form (exit 2), with the nearest command when one is close.
// With topicSeparator ' ', oclif joins every word before the first flag into the id
// ("publsh x" arrives as "publsh:x"), so the first word is the command that was not found.
import {type Hook, loadHelpClass} from '@oclif/core'
import {ExitCode} from '../errors.js'
import {colourFor} from '../output/colour.js'
import {versionText} from '../version.js'

const hook: Hook.CommandNotFound = async function (options) {
  const {config} = options
  const [word, ...rest] = options.id.split(':')
  if (word === 'help' && (rest.length === 0 || config.findCommand(rest.join(':')) !== undefined)) {
    const Help = await loadHelpClass(config)
    await new Help(config, config.pjson.oclif.helpOptions).showHelp(rest)
    return
  }
  // bin/run.js hands a lone --version here as `version`; -v and -V alone mean it too (node -v).
  if ((word === 'version' || word === '-v' || word === '-V') && rest.length === 0) {
    process.stdout.write(versionText(config.userAgent))
    return
  }
  const unknown = word === 'help' ? rest[0] : word
  const nearest = nearestWord(unknown, [...config.commandIDs, 'help', 'version'])
  const suggestion = nearest === undefined ? '' : `; did you mean "${config.bin} ${nearest}"?`
  process.stderr.write(`${colourFor(process.stderr).red('mqkit:')} unknown command "${unknown}"${suggestion} (see ${config.bin} --help)\n`)
  this.exit(ExitCode.usage)
}

export default hook

/** The candidate within a small edit distance of `word` (or that it abbreviates), if one is nearest. */
export function nearestWord(word: string, candidates: readonly string[]): string | undefined {
  const prefixed = candidates.filter((candidate) => word.length >= 3 && candidate.startsWith(word))
  if (prefixed.length === 1) return prefixed[0]
  const limit = word.length <= 4 ? 1 : 2
  let best: string | undefined
  let bestDistance = limit + 1
  for (const candidate of candidates) {
    const distance = editDistance(word.toLowerCase(), candidate)
    if (distance < bestDistance) {
      best = candidate
      bestDistance = distance
    }
  }
  return best
}

/** Levenshtein distance, with a transposition counted as one edit ("pbulish"). */
function editDistance(a: string, b: string): number {
  const rows = Array.from({length: a.length + 1}, (_, i) => [i, ...Array<number>(b.length).fill(0)])
  for (let j = 1; j <= b.length; j++) rows[0][j] = j
  for (let i = 1; i <= a.length; i++) {
    for (let j = 1; j <= b.length; j++) {
      const substitution = rows[i - 1][j - 1] + (a[i - 1] === b[j - 1] ? 0 : 1)
      rows[i][j] = Math.min(rows[i - 1][j] + 1, rows[i][j - 1] + 1, substitution)
      if (i > 1 && j > 1 && a[i - 1] === b[j - 2] && a[i - 2] === b[j - 1]) rows[i][j] = Math.min(rows[i][j], rows[i - 2][j - 2] + 1)
    }
  }
  return rows[a.length][b.length]
}
