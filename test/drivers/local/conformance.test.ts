// The shared conformance suite on the local store: every driver is a separate connection to one
// store file in a fresh temporary folder.
import {mkdtempSync, rmSync} from 'node:fs'
import os from 'node:os'
import path from 'node:path'
import {afterAll} from 'vitest'
import {createDriver} from '../../../src/drivers/index.js'
import {EXIT_AT_END, runConformance} from '../../conformance/suite.js'

const folder = mkdtempSync(path.join(os.tmpdir(), 'mqkit-local-conf-'))
afterAll(() => rmSync(folder, {recursive: true, force: true}))

runConformance('local', async () => createDriver(`file:${path.join(folder, 'queues.db')}?lease=2s`, {clientName: 'mqkit test'}), {
  features: {
    priority: true,
    ttl: true,
    messageTtl: true,
    deadLetter: true,
    maxLength: true,
    requeue: true,
    deliveryCount: true,
    ordering: 'queue',
    partitions: false,
    persistence: true,
    competingConsumers: true,
    exchanges: false,
    redeliverOnClose: true,
    crossProcess: true,
    missingQueueOnPublish: 'not-found',
    endsOnDelete: true,
  },
  skips: [EXIT_AT_END],
})
