// better-sqlite3's compiled part missing (not built, or built for another Node.js): the file:
// backend says to rebuild it, in one line, exit 1 — it is neither a connection nor a store problem.
// The module is replaced by one whose constructor fails as the real one does when its bindings
// are missing (the `bindings` package's message, several lines).
import {mkdtempSync, rmSync} from 'node:fs'
import os from 'node:os'
import path from 'node:path'
import {afterAll, describe, expect, it, vi} from 'vitest'
import {openDatabase} from '../../../src/drivers/local/schema.js'
import {createDriver} from '../../../src/drivers/index.js'
import {ConnectionError, ExitCode, MqkitError} from '../../../src/errors.js'
import {errorLine} from '../../../src/output/error-line.js'

const failure = vi.hoisted(() => ({message: ''}))
vi.mock('better-sqlite3', () => ({
  default: class {
    constructor() {
      throw new Error(failure.message)
    }
  },
}))

const folder = mkdtempSync(path.join(os.tmpdir(), 'mqkit-native-'))
afterAll(() => rmSync(folder, {recursive: true, force: true}))

const BINDINGS_MISSING = [
  'Could not locate the bindings file. Tried:',
  ' → /app/node_modules/better-sqlite3/build/better_sqlite3.node',
  ' → /app/node_modules/better-sqlite3/build/Release/better_sqlite3.node',
].join('\n')

const OTHER_NODE = [
  "The module '/app/node_modules/better-sqlite3/build/Release/better_sqlite3.node'",
  'was compiled against a different Node.js version using',
  'NODE_MODULE_VERSION 127. This version of Node.js requires',
  'NODE_MODULE_VERSION 115. Please try re-compiling or re-installing',
].join('\n')

describe('better-sqlite3 native module not built', () => {
  it.each([
    ['its bindings file missing', BINDINGS_MISSING, 'its bindings file is missing'],
    ['built for another Node.js', OTHER_NODE, 'it was built for NODE_MODULE_VERSION 127, this Node.js needs 115'],
  ])('%s: exit 1, one line that says to rebuild it', (_, message, reason) => {
    failure.message = message
    let thrown: unknown
    try {
      openDatabase(path.join(folder, 'q.db'), 'normal')
    } catch (error) {
      thrown = error
    }
    expect(thrown).toBeInstanceOf(MqkitError)
    expect(thrown).not.toBeInstanceOf(ConnectionError)
    const error = thrown as MqkitError
    expect(error.exitCode).toBe(ExitCode.failure)
    expect(error.message).not.toContain('\n')
    expect(error.message).toContain(reason)
    expect(error.message).toContain('run "npm rebuild better-sqlite3"')
    expect(errorLine(error, {bin: 'mqkit', commandId: 'consume'})).toBe(error.message)
  })

  it('connecting a file: driver fails the same way', async () => {
    failure.message = BINDINGS_MISSING
    const driver = await createDriver(`file:${path.join(folder, 'd.db')}`, {clientName: 'test'})
    await expect(driver.connect()).rejects.toMatchObject({exitCode: ExitCode.failure, message: expect.stringContaining('npm rebuild better-sqlite3')})
  })
})
