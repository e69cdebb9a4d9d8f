import {describe, expect, it} from 'vitest'
import {createDriver} from '../src/drivers/index.js'
import {runConformance} from './conformance/suite.js'

const context = {clientName: 'mqkit test'}

// Every driver made here is a separate connection to the same in-process broker.
runConformance('memory', async () => createDriver(`memory://conf-${process.pid}`, context))
