// biome-ignore-all lint/suspicious/noTemplateCurlyInString: ${NAME} written out is what a context URL holds
// Contexts as a module: `${NAME}` references (expanded at use, percent-encoded in the user and
// password part, a missing variable one UsageError naming it), what counts as a password written
// out, what is shown, the file's round trip, and the order in which a command's URL is chosen.
import {mkdtempSync, readFileSync, rmSync, writeFileSync} from 'node:fs'
import os from 'node:os'
import path from 'node:path'
import {afterAll, describe, expect, it} from 'vitest'
import {displayContextUrl, expandReferences, hasLiteralSecret, referencedVariables} from '../../src/config/context-url.js'
import {addContext, contextNames, contextsPath, listContexts, removeContext, selectUrl, showContext, useContext} from '../../src/config/contexts.js'
import {UsageError} from '../../src/errors.js'

const folder = mkdtempSync(path.join(os.tmpdir(), 'mqkit-contexts-'))
afterAll(() => rmSync(folder, {recursive: true, force: true}))
let serial = 0
const freshFile = () => path.join(folder, `config-${serial++}`, 'mqkit', 'contexts.json')

describe('references', () => {
  it('are expanded from the environment; in the user and password part percent-encoded', () => {
    const env = {PW: 'p@ss/w:rd', USER_NAME: 'app', HOST: 'rabbit:5673', VHOST: 'prod'}
    expect(expandReferences('amqp://${USER_NAME}:${PW}@${HOST}/${VHOST}?heartbeat=5', 'c', env)).toBe('amqp://app:p%40ss%2Fw%3Ard@rabbit:5673/prod?heartbeat=5')
    expect(expandReferences('kafka://mqkit:${PW}@h1:9094,h2:9094?sasl=plain', 'c', env)).toBe('kafka://mqkit:p%40ss%2Fw%3Ard@h1:9094,h2:9094?sasl=plain')
    // Only ${NAME}: $NAME and other dollars are the URL's own.
    expect(expandReferences('file:/tmp/$HOME/q$1.db', 'c', env)).toBe('file:/tmp/$HOME/q$1.db')
  })

  it('an unset or empty variable is one usage error naming it and the context', () => {
    const expand = (env: NodeJS.ProcessEnv) => () => expandReferences('amqp://u:${RABBIT_PASSWORD}@h', 'prod', env)
    expect(expand({})).toThrow(UsageError)
    expect(expand({})).toThrow('context "prod" refers to the environment variable RABBIT_PASSWORD, which is not set')
    expect(expand({RABBIT_PASSWORD: ''})).toThrow('RABBIT_PASSWORD, which is not set')
  })

  it('a malformed reference is a usage error', () => {
    expect(() => expandReferences('amqp://u:${1X}@h', 'c', {})).toThrow('"${1X}" is not a variable reference')
    expect(() => referencedVariables('amqp://u:${A-B}@h', 'c')).toThrow(UsageError)
    expect(referencedVariables('amqp://${U}:${P}@h/${P}', 'c')).toEqual(['U', 'P'])
  })
})

describe('passwords', () => {
  it.each([
    ['amqp://guest:guest@127.0.0.1:5672', true],
    ['amqp://guest:${PW}@127.0.0.1:5672', false],
    ['amqp://guest:pre${PW}@127.0.0.1:5672', true],
    ['amqp://guest@127.0.0.1:5672', false],
    ['amqp://${USER}:${PW}@${HOST}', false],
    ['amqp://u:@h', true],
    ['kafka://mqkit:mqkit-secret@127.0.0.1:9094?sasl=scram-sha-512', true],
    ['amqps://h?passphrase=hunter2', true],
    ['amqps://h?passphrase=${PASSPHRASE}&cafile=/ca.pem', false],
    ['amqp://h?mgmt=http://admin:pw@m:15672', true],
    ['file:./q.db', false],
    ['memory://', false],
  ])('%s written out: %s', (url, literal) => {
    expect(hasLiteralSecret(url)).toBe(literal)
  })

  it('are shown as ***; references as written', () => {
    expect(displayContextUrl('amqp://guest:guest@h:5672')).toBe('amqp://guest:***@h:5672')
    expect(displayContextUrl('amqp://guest:${PW}@h:5672')).toBe('amqp://guest:${PW}@h:5672')
    expect(displayContextUrl('amqps://h?passphrase=pp&x=${X}')).toBe('amqps://h?passphrase=***&x=${X}')
  })
})

describe('the contexts file', () => {
  it('is ${XDG_CONFIG_HOME:-~/.config}/mqkit/contexts.json', () => {
    expect(contextsPath({XDG_CONFIG_HOME: '/cfg'})).toBe('/cfg/mqkit/contexts.json')
    expect(contextsPath({})).toBe(path.join(os.homedir(), '.config', 'mqkit', 'contexts.json'))
  })

  it('add, use, list, show, remove', () => {
    const file = freshFile()
    expect(listContexts(file)).toEqual({file, contexts: []})
    expect(addContext('prod', 'amqp://app:${PW}@rabbit:5672/prod', {}, file)).toEqual({
      name: 'prod',
      url: 'amqp://app:${PW}@rabbit:5672/prod',
      current: false,
      replaced: false,
      file,
    })
    expect(addContext('local', 'file:/tmp/q.db', {use: true}, file)).toMatchObject({current: true})
    expect(listContexts(file)).toEqual({
      file,
      current: 'local',
      contexts: [
        {name: 'local', url: 'file:/tmp/q.db', current: true},
        {name: 'prod', url: 'amqp://app:${PW}@rabbit:5672/prod', current: false},
      ],
    })
    expect(useContext('prod', file)).toEqual({current: 'prod', url: 'amqp://app:${PW}@rabbit:5672/prod', previous: 'local', file})
    expect(showContext(undefined, {PW: 'x'}, file)).toEqual({
      name: 'prod',
      url: 'amqp://app:${PW}@rabbit:5672/prod',
      current: true,
      selectedBy: 'current context',
      variables: [{name: 'PW', set: true}],
      file,
    })
    expect(showContext('local', {MQKIT_CONTEXT: 'prod'}, file)).toMatchObject({name: 'local', current: false, variables: []})
    expect(showContext(undefined, {MQKIT_CONTEXT: 'local'}, file)).toMatchObject({name: 'local', selectedBy: 'MQKIT_CONTEXT'})
    expect(removeContext('prod', file)).toEqual({name: 'prod', url: 'amqp://app:${PW}@rabbit:5672/prod', wasCurrent: true, file})
    expect(listContexts(file)).toEqual({file, contexts: [{name: 'local', url: 'file:/tmp/q.db', current: false}]})
    expect(contextNames(file)).toEqual(['local'])
    expect(useContext(undefined, file)).toEqual({file})
    expect(JSON.parse(readFileSync(file, 'utf8'))).toEqual({version: 1, contexts: {local: {url: 'file:/tmp/q.db'}}})
  })

  it('refuses what would go wrong later, each in one line', () => {
    const file = freshFile()
    addContext('a', 'memory://', {}, file)
    expect(() => addContext('a', 'memory://x', {}, file)).toThrow('context "a" exists (memory://); add --force to replace it')
    expect(addContext('a', 'memory://x', {replace: true}, file)).toMatchObject({replaced: true})
    expect(() => addContext('-x', 'memory://', {}, file)).toThrow('a context name must be')
    expect(() => addContext('b', 'nats://h', {}, file)).toThrow('the URL of context "b" is not usable: has unsupported scheme')
    expect(() => addContext('b', 'amqp://u:secret@h', {}, file)).toThrow(/holds a password, which would be stored in plain text .*--allow-plain-password$/)
    expect(addContext('b', 'amqp://u:secret@h', {allowPlainPassword: true}, file)).toMatchObject({url: 'amqp://u:***@h'})
    expect(() => useContext('nope', file)).toThrow('unknown context "nope"; known: a, b')
    expect(() => removeContext('nope', file)).toThrow('unknown context "nope"; known: a, b')
    expect(() => showContext(undefined, {}, file)).toThrow('no context in use')
    expect(() => showContext(undefined, {MQKIT_CONTEXT: 'zz'}, file)).toThrow('unknown context "zz" (from MQKIT_CONTEXT); known: a, b')
  })

  it('a damaged file is a usage error naming it; a missing one has no contexts', () => {
    const file = freshFile()
    expect(contextNames(file)).toEqual([])
    addContext('a', 'memory://', {}, file)
    writeFileSync(file, '{"contexts": ')
    expect(() => listContexts(file)).toThrow(`the contexts file ${file} is not valid JSON; fix or remove it`)
    expect(contextNames(file)).toEqual([])
    writeFileSync(file, '{"version": 2, "contexts": {}}')
    expect(() => listContexts(file)).toThrow('is of a newer mqkit (format version 2)')
    writeFileSync(file, '{"contexts": {"a": {}}}')
    expect(() => listContexts(file)).toThrow('has no URL for the context "a"')
  })
})

describe('selectUrl: which URL a command uses', () => {
  const file = freshFile()
  addContext('flag', 'file:/flag.db', {}, file)
  addContext('env', 'amqp://u:${PW}@env-host', {}, file)
  addContext('current', 'file:/current.db', {use: true}, file)

  it('--url, then --context, then MQKIT_URL, then MQKIT_CONTEXT, then the current context', () => {
    const flags = {url: 'memory://url', context: 'flag'}
    const env = {MQKIT_URL: 'memory://env', MQKIT_CONTEXT: 'env', PW: 'p@ss'}
    expect(selectUrl(flags, env, file)).toEqual({url: 'memory://url', source: '--url'})
    expect(selectUrl({context: 'flag'}, env, file)).toEqual({url: 'file:/flag.db', source: '--context', context: 'flag'})
    expect(selectUrl({}, env, file)).toEqual({url: 'memory://env', source: 'MQKIT_URL'})
    expect(selectUrl({}, {MQKIT_CONTEXT: 'env', PW: 'p@ss'}, file)).toEqual({url: 'amqp://u:p%40ss@env-host', source: 'MQKIT_CONTEXT', context: 'env'})
    expect(selectUrl({}, {}, file)).toEqual({url: 'file:/current.db', source: 'current context', context: 'current'})
    // Empty counts as not given.
    expect(selectUrl({url: '', context: ''}, {MQKIT_URL: '', MQKIT_CONTEXT: ''}, file)).toMatchObject({source: 'current context'})
  })

  it('nothing chosen and no current context: undefined (the command’s default), without a file', () => {
    expect(selectUrl({}, {}, path.join(folder, 'none', 'contexts.json'))).toBeUndefined()
  })

  it('an unknown context is a usage error saying where the name came from', () => {
    expect(() => selectUrl({context: 'nope'}, {}, file)).toThrow('unknown context "nope"; known: current, env, flag')
    expect(() => selectUrl({}, {MQKIT_CONTEXT: 'nope'}, file)).toThrow('unknown context "nope" (from MQKIT_CONTEXT)')
    expect(() => selectUrl({context: 'env'}, {}, file)).toThrow('context "env" refers to the environment variable PW, which is not set')
  })
})
