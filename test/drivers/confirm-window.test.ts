// The confirm window every publisher shares (src/drivers/confirm-window.ts): its waiter wakes
// exactly when the count reaches the target, or when woken.
import {describe, expect, it} from 'vitest'
import {ConfirmWindow} from '../../src/drivers/confirm-window.js'

const tick = () => new Promise<void>((resolve) => setImmediate(resolve))

describe('ConfirmWindow', () => {
  it('resolves at once when the count is already at or below the target', async () => {
    const window = new ConfirmWindow()
    window.sent()
    await window.atMost(1)
    expect(window.outstanding).toBe(1)
  })

  it('wakes the waiter when a settle brings the count down to the target, not before', async () => {
    const window = new ConfirmWindow()
    for (let i = 0; i < 3; i++) window.sent()
    let woken = false
    const waiting = window.atMost(1).then(() => {
      woken = true
    })
    window.settled()
    await tick()
    expect(woken).toBe(false)
    window.settled()
    await waiting
    expect(woken).toBe(true)
    expect(window.outstanding).toBe(1)
  })

  it('wake() resolves the waiter whatever is outstanding', async () => {
    const window = new ConfirmWindow()
    window.sent()
    const waiting = window.atMost(0)
    window.wake()
    await waiting
    expect(window.outstanding).toBe(1)
  })
})
