// The completion spec is made from oclif's metadata of the built commands (`npm run build`
// first): every command is there with its flags, and arguments complete to the right things.
import {readdirSync} from 'node:fs'
import path from 'node:path'
import {Config} from '@oclif/core'
import {describe, expect, it} from 'vitest'
import {buildSpec, type CommandSpec} from '../../src/completion/spec.js'
import {ROOT} from '../helpers/cli.js'

const spec = buildSpec(await Config.load(ROOT))
// The first words: commands, and topics (folders: context/, report/); a topic's commands (report
// merge, context use) are offered after it.
const COMMANDS = [...new Set(readdirSync(path.join(ROOT, 'src', 'commands')).map((file) => path.basename(file, '.ts')))]
const command = (id: string): CommandSpec => {
  const found = spec.commands.find((c) => c.id === id)
  if (!found) throw new Error(`no command ${id} in the spec`)
  return found
}
const flag = (id: string, long: string) => command(id).flags.find((f) => f.long === long)

describe('completion spec', () => {
  it('has every command of src/commands, then help and version (answered by the command_not_found hook)', () => {
    expect(spec.bin).toBe('mqkit')
    expect(spec.commands.map((c) => c.id)).toEqual([...COMMANDS.sort(), 'help', 'version'])
    for (const c of spec.commands) expect(c.summary, c.id).not.toBe('')
  })

  it('has each command’s flags, the shared ones included, with their letters and value lists', () => {
    expect(flag('publish', 'url')).toMatchObject({short: 'u', takesValue: true})
    expect(flag('publish', 'url')?.values).toBeUndefined()
    expect(flag('publish', 'acks')).toMatchObject({takesValue: true, values: ['all', 'leader', 'none']})
    expect(flag('publish', 'header')).toMatchObject({short: 'H', takesValue: true, multiple: true})
    expect(flag('publish', 'json')).toMatchObject({takesValue: false})
    for (const c of COMMANDS) expect(flag(c, 'help'), c).toBeDefined()
  })

  it('a negatable boolean also completes as --no-NAME', () => {
    expect(flag('consume', 'ack')).toMatchObject({takesValue: false})
    expect(flag('consume', 'no-ack')).toMatchObject({takesValue: false})
  })

  it('leaves out hidden flags, and the shared flags that completion itself does not take', () => {
    expect(flag('completion', 'queues')).toBeUndefined()
    expect(
      command('completion')
        .flags.map((f) => f.long)
        .sort(),
    ).toEqual(['help', 'verbose'])
  })

  it('NAME is a queue, MESSAGE free text, other arguments files or their listed values', () => {
    expect(command('publish')).toMatchObject({args: [{kind: 'queue'}, {kind: 'text'}], rest: {kind: 'text'}})
    expect(command('declare')).toMatchObject({args: [{kind: 'queue'}]})
    expect(command('declare').rest).toBeUndefined()
    expect(command('inspect')).toMatchObject({args: [{kind: 'queue'}], rest: {kind: 'queue'}})
    expect(command('report')).toMatchObject({args: [{kind: 'file'}], rest: {kind: 'file'}})
    expect(command('completion')).toMatchObject({args: [{kind: 'values', values: ['bash', 'zsh', 'fish']}]})
    expect(command('help')).toMatchObject({args: [{kind: 'values', values: COMMANDS.sort()}]})
  })

  it('a topic lists its commands, each with its own flags and arguments; context NAMEs are contexts', () => {
    const context = command('context')
    expect(context.subcommands?.map((c) => c.id)).toEqual(['context add', 'context list', 'context remove', 'context show', 'context use'])
    expect(context.summary).toMatch(/^Named broker URLs/)
    const sub = (id: string) => context.subcommands!.find((c) => c.id === id)!
    for (const id of ['context use', 'context remove', 'context show']) expect(sub(id).args, id).toEqual([{kind: 'context'}])
    expect(sub('context add').args).toEqual([{kind: 'text'}, {kind: 'text'}])
    expect(sub('context add').flags.map((f) => f.long)).toEqual(expect.arrayContaining(['use', 'force', 'allow-plain-password', 'json', 'help']))
    expect(sub('context add').flags.map((f) => f.long)).not.toContain('url')
    expect(command('report').subcommands?.map((c) => c.id)).toEqual(['report merge'])
  })

  it('--context completes to the context names, on every command that connects', () => {
    for (const id of ['publish', 'consume', 'inspect', 'declare', 'delete', 'bench', 'plan'])
      expect(flag(id, 'context'), id).toMatchObject({takesValue: true, contexts: true})
    expect(flag('report', 'context')).toBeUndefined()
  })
})
