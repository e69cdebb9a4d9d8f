// `mqkit completion bash|zsh|fish` through the real CLI, loaded into the real shells and asked to
// complete lines: commands, flags, listed flag values, flag values skipped when counting
// arguments, and queue names from the local store (none after --url). bash drives its completion
// function with COMP_* set as bash sets them; fish answers `complete -C LINE`; zsh is an
// interactive shell on a pseudo-terminal (zpty) that is sent LINE and TAB and reports its buffer.
// zsh and fish are Debian packages that .ci/run installs: missing locally, their tests are
// skipped with a note; missing under CI=true, they fail.
import {execFile, spawnSync} from 'node:child_process'
import {chmodSync, existsSync, mkdirSync, mkdtempSync, readdirSync, readFileSync, rmSync, writeFileSync} from 'node:fs'
import os from 'node:os'
import path from 'node:path'
import {afterAll, beforeAll, describe, expect, it} from 'vitest'
import {IN_CI} from '../helpers/brokers.js'
import {BIN, ROOT, runCli} from '../helpers/cli.js'

const folder = mkdtempSync(path.join(os.tmpdir(), 'mqkit-completion-'))
afterAll(() => rmSync(folder, {recursive: true, force: true}))

// `mqkit` on PATH for the scripts' own calls (`mqkit completion --queues`), on this test's Node.
const binFolder = path.join(folder, 'bin')
mkdirSync(binFolder)
writeFileSync(path.join(binFolder, 'mqkit'), `#!/bin/sh\nexec '${process.execPath}' '${BIN}' "$@"\n`)
chmodSync(path.join(binFolder, 'mqkit'), 0o755)
const store = path.join(folder, 'store', 'queues.db')
// Contexts "local" and "prod" (and no current one, so the default store's queues are offered).
const configHome = path.join(folder, 'config')
const ENV: NodeJS.ProcessEnv = {...process.env, PATH: `${binFolder}:${process.env.PATH}`, MQKIT_STORE: store, XDG_CONFIG_HOME: configHome, NO_COLOR: '1'}
delete ENV.MQKIT_URL
delete ENV.MQKIT_CONTEXT

// The first words: commands and topics (report/merge.ts and context/*.ts are offered after theirs).
const COMMANDS = [...new Set(readdirSync(path.join(ROOT, 'src', 'commands')).map((file) => path.basename(file, '.ts')))]

beforeAll(async () => {
  for (const queue of ['orders', 'jobs']) {
    const declared = await runCli(['declare', queue, '--url', `file:${store}`])
    expect(declared.code, declared.stderr).toBe(0)
  }
  for (const [name, url] of [
    ['local', `file:${store}`],
    ['prod', `amqp://app:\${RABBIT_PASSWORD}@rabbit:5672`],
  ]) {
    const added = await runCli(['context', 'add', name, url], {env: {XDG_CONFIG_HOME: configHome}})
    expect(added.code, added.stderr).toBe(0)
  }
})

/** A line typed so far, and every candidate the shell should offer for its last word. */
const CASES: Array<{line: string; candidates: string[]}> = [
  {line: 'mqkit pu', candidates: ['publish']},
  {line: 'mqkit help dec', candidates: ['declare']},
  {line: 'mqkit publish --ac', candidates: ['--acks']},
  {line: 'mqkit publish --acks le', candidates: ['leader']},
  {line: 'mqkit consume --no-a', candidates: ['--no-ack']},
  {line: 'mqkit completion fi', candidates: ['fish']},
  {line: 'mqkit publish o', candidates: ['orders']},
  // -H's value is not the queue name: the queue is still to come.
  {line: 'mqkit publish -H k:v o', candidates: ['orders']},
  {line: 'mqkit inspect orders j', candidates: ['jobs']},
  // MESSAGE is free text; with --url the queues would be a broker's, not the local store's.
  {line: 'mqkit publish orders o', candidates: []},
  {line: 'mqkit publish --url memory:// o', candidates: []},
  // Flags in the place of free text (zsh offered none there).
  {line: 'mqkit publish orders --ac', candidates: ['--acks']},
  // A topic's commands, then each one's arguments and flags; context names where a context goes.
  {line: 'mqkit cont', candidates: ['context']},
  {line: 'mqkit context u', candidates: ['use']},
  {line: 'mqkit context use p', candidates: ['prod']},
  {line: 'mqkit context remove --json l', candidates: ['local']},
  {line: 'mqkit context add --allow', candidates: ['--allow-plain-password']},
  {line: 'mqkit context add p', candidates: []},
  {line: 'mqkit publish --context l', candidates: ['local']},
  {line: 'mqkit inspect --context prod o', candidates: []},
  {line: 'mqkit report m', candidates: ['merge']},
  {line: 'mqkit report merge --ht', candidates: ['--html']},
]

function run(file: string, args: string[], timeoutMs = 30_000): Promise<{code: number | null; stdout: string; stderr: string}> {
  return new Promise((resolve) => {
    execFile(file, args, {env: ENV, cwd: folder, timeout: timeoutMs}, (error, stdout, stderr) => {
      resolve({code: error ? ((error as {code?: number}).code ?? null) : 0, stdout, stderr})
    })
  })
}

/** The shell, or undefined (skip) locally; throws under CI=true when it is missing. */
function shellOrSkip(shell: string): string | undefined {
  if (spawnSync('sh', ['-c', `command -v ${shell}`], {stdio: 'ignore'}).status === 0) return shell
  const message = `${shell} is not installed`
  if (IN_CI) throw new Error(`${message}; CI=true: its completion tests must not be skipped (apt-get install -y ${shell})`)
  process.stderr.write(`[skip] ${message}; install it (apt-get install ${shell}) to test its completion\n`)
  return undefined
}

describe('the scripts', () => {
  it.each(['bash', 'zsh', 'fish'])('%s: names every command and the flags of each', async (shell) => {
    const {code, stdout, stderr} = await runCli(['completion', shell])
    expect(code, stderr).toBe(0)
    expect(stderr).toBe('')
    for (const command of COMMANDS) expect(stdout).toContain(command)
    for (const flag of ['acks', 'url', 'connect-timeout', 'header', 'no-ack', 'find-max']) expect(stdout).toContain(flag)
  })

  it('without a shell: exit 2 and one line naming the shells', async () => {
    const {code, stdout, stderr} = await runCli(['completion'])
    expect(code).toBe(2)
    expect(stdout).toBe('')
    expect(stderr.trim()).toBe('mqkit: name the shell: mqkit completion bash|zsh|fish')
  })

  it('--contexts lists the context names, and nothing when there is no contexts file', async () => {
    expect((await runCli(['completion', '--contexts'], {env: {XDG_CONFIG_HOME: configHome}})).stdout).toBe('local\nprod\n')
    expect(await runCli(['completion', '--contexts'], {env: {XDG_CONFIG_HOME: path.join(folder, 'no-config')}})).toMatchObject({
      code: 0,
      stdout: '',
      stderr: '',
    })
  })

  it('--queues lists the default store’s queues; with no store it prints nothing and creates none', async () => {
    expect((await runCli(['completion', '--queues'], {env: {MQKIT_STORE: store}})).stdout).toBe('jobs\norders\n')
    expect((await runCli(['completion', '--queues'], {env: {MQKIT_STORE: undefined, MQKIT_URL: `file:${store}`}})).stdout).toBe('jobs\norders\n')
    expect((await runCli(['completion', '--queues'], {env: {MQKIT_STORE: store, MQKIT_URL: 'memory://'}})).stdout).toBe('')
    const missing = path.join(folder, 'none', 'queues.db')
    const listed = await runCli(['completion', '--queues'], {env: {MQKIT_STORE: missing}})
    expect(listed).toMatchObject({code: 0, stdout: '', stderr: ''})
    expect(existsSync(path.dirname(missing))).toBe(false)
  })
})

describe('bash', () => {
  // COMP_WORDS as bash makes them: split at blanks, and at "=" and ":" (COMP_WORDBREAKS), the
  // break character standing alone when it ends the line.
  const HARNESS = `source <(mqkit completion bash) || exit 1
line=$1
read -ra COMP_WORDS <<<"$line"
[[ -z $line || $line == *' ' ]] && COMP_WORDS+=('')
last=\${COMP_WORDS[-1]}
if [[ $last == *[=:] ]]; then COMP_WORDS[-1]=\${last:0:-1}; COMP_WORDS+=("\${last: -1}")
elif [[ $last == *[=:]* ]]; then COMP_WORDS[-1]=\${last%[=:]*}; COMP_WORDS+=("\${last: -1}" "\${last##*[=:]}"); fi
COMP_CWORD=$((\${#COMP_WORDS[@]} - 1)) COMP_LINE=$line COMP_POINT=\${#line}
_mqkit mqkit
printf '%s\\n' "\${COMPREPLY[@]}"`

  it('source <(mqkit completion bash) registers the completion function', async () => {
    const {code, stdout, stderr} = await run('bash', ['--norc', '--noprofile', '-c', 'source <(mqkit completion bash); complete -p mqkit'])
    expect(code, stderr).toBe(0)
    expect(stdout.trim()).toBe('complete -F _mqkit mqkit')
  })

  it.concurrent.each(CASES)('$line', async ({line, candidates}) => {
    const {code, stdout, stderr} = await run('bash', ['--norc', '--noprofile', '-c', HARNESS, 'bash', line])
    expect(code, stderr).toBe(0)
    expect(stdout.split('\n').filter(Boolean)).toEqual(candidates)
  })

  it('offers every command on an empty line', async () => {
    const {stdout} = await run('bash', ['--norc', '--noprofile', '-c', HARNESS, 'bash', 'mqkit '])
    expect(stdout.split('\n').filter(Boolean).sort()).toEqual([...COMMANDS, 'help', 'version'].sort())
  })
})

describe('fish', () => {
  const fish = shellOrSkip('fish')

  it.skipIf(!fish).concurrent.each(CASES)('$line', async ({line, candidates}) => {
    const {code, stdout, stderr} = await run('fish', ['--no-config', '-c', 'mqkit completion fish | source; complete -C $argv[1]', line])
    expect(code, stderr).toBe(0)
    expect(
      stdout
        .split('\n')
        .filter(Boolean)
        .map((candidate) => candidate.split('\t')[0]),
    ).toEqual(candidates)
  })
})

describe('zsh', () => {
  const zsh = shellOrSkip('zsh')
  // An interactive zsh on a pseudo-terminal: each line is typed, then TAB, then ^T, bound to a
  // widget that appends the buffer to $out and clears it. The harness waits for the DONE line.
  const HARNESS = `zmodload zsh/zpty
out=$1 setup=$2; shift 2
zpty z 'zsh -f -i'
zpty -w z "$setup"
zpty -w z 'dump() { print -r -- "[$BUFFER]" >> '\${(q)out}'; BUFFER=; }; zle -N dump; bindkey "^T" dump'
for line in "$@"; do zpty -w -n z "$line"$'\\t\\x14'; done
zpty -w z 'print -r -- DONE >> '\${(q)out}
repeat 300; do [[ -f $out && $(tail -n 1 $out) == DONE ]] && break; sleep 0.1; done
zpty -d z`

  /** The buffers after TAB, one per line. */
  async function completed(setup: string, lines: string[]): Promise<string[]> {
    const out = path.join(folder, `zsh-${Math.random().toString(36).slice(2)}.out`)
    const {code, stderr} = await run('zsh', ['-f', '-c', HARNESS, 'zsh', out, setup, ...lines], 45_000)
    expect(code, stderr).toBe(0)
    const buffers = (existsSync(out) ? readFileSync(out, 'utf8') : '').split('\n').filter(Boolean)
    expect(buffers.at(-1), 'zsh did not finish').toBe('DONE')
    return buffers.slice(0, -1).map((buffer) => buffer.slice(1, -1))
  }

  /** What TAB makes of `line` when `candidates` is its only candidate (zsh adds "=" after an option flag). */
  const expected = ({line, candidates}: (typeof CASES)[number]) =>
    candidates.length === 1 ? `${line.slice(0, line.lastIndexOf(' ') + 1)}${candidates[0]}` : line

  it.skipIf(!zsh)('sourced after compinit: each line completes to its one candidate, or stays', async () => {
    const buffers = await completed(
      'autoload -U compinit && compinit -u -D && source <(mqkit completion zsh)',
      CASES.map((c) => c.line),
    )
    expect(buffers.map((buffer) => buffer.trimEnd().replace(/=$/, ''))).toEqual(CASES.map(expected))
  })

  it.skipIf(!zsh)('saved as _mqkit in $fpath (autoloaded)', async () => {
    const functions = path.join(folder, 'zsh-functions')
    mkdirSync(functions, {recursive: true})
    writeFileSync(path.join(functions, '_mqkit'), (await runCli(['completion', 'zsh'])).stdout)
    const buffers = await completed(`fpath=(${functions} $fpath) && autoload -U compinit && compinit -u -D`, ['mqkit pu', 'mqkit publish o'])
    expect(buffers.map((buffer) => buffer.trimEnd())).toEqual(['mqkit publish', 'mqkit publish orders'])
  })
})
