// bin/run.js answers a lone --version (version, -v, -V) without loading oclif, for start-up time:
// its user agent line must stay the one oclif makes, and every spelling print the same.
import {readFileSync} from 'node:fs'
import path from 'node:path'
import {Config} from '@oclif/core'
import {describe, expect, it} from 'vitest'
import {userAgent} from '../src/version.js'
import {ROOT, runCli} from './helpers/cli.js'

describe('mqkit --version', () => {
  it('makes the user agent line as oclif does', async () => {
    const config = await Config.load(ROOT)
    const pjson = JSON.parse(readFileSync(path.join(ROOT, 'package.json'), 'utf8'))
    expect(userAgent(pjson)).toBe(config.userAgent)
  })

  it('prints it, then the client libraries, for every spelling', async () => {
    const config = await Config.load(ROOT)
    const outputs = await Promise.all(['--version', 'version', '-v', '-V'].map((word) => runCli([word])))
    for (const {code, stdout, stderr} of outputs) {
      expect(code, stderr).toBe(0)
      expect(stderr).toBe('')
      expect(stdout).toBe(outputs[0].stdout)
    }
    expect(outputs[0].stdout).toMatch(
      new RegExp(
        `^${config.userAgent.replace(/[.*+?^${}()|[\]\\/]/g, '\\$&')}\nclient libraries: amqplib \\S+, kafkajs \\S+, @platformatic/kafka \\S+, better-sqlite3 \\S+\n$`,
      ),
    )
  })
})
