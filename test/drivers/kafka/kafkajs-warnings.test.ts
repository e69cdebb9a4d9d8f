// kafkajs's negative timer delays make Node ≥ 23 print TimeoutNegativeWarning; mqkit drops that
// one warning (its one-line errors and stderr stay clean) and no other.
import {expect, it} from 'vitest'
import '../../../src/drivers/kafka/kafkajs-warnings.js'

it('drops TimeoutNegativeWarning, in every form emitWarning takes, and keeps every other warning', async () => {
  const seen: string[] = []
  const listener = (warning: Error) => seen.push(warning.name)
  process.on('warning', listener)
  try {
    process.emitWarning('-5 is a negative number.\nTimeout duration was set to 1.', 'TimeoutNegativeWarning')
    process.emitWarning('-5 is a negative number.', {type: 'TimeoutNegativeWarning'})
    process.emitWarning(Object.assign(new Error('-5 is a negative number.'), {name: 'TimeoutNegativeWarning'}))
    process.emitWarning('something else', 'MqkitTestWarning')
    await new Promise((resolve) => setImmediate(resolve))
    expect(seen).toEqual(['MqkitTestWarning'])
  } finally {
    process.off('warning', listener)
  }
})
