#!/usr/bin/env node
// Driver overhead on RabbitMQ: the same work done by a raw amqplib loop and through mqkit's
// amqp driver, in the same run, alternating. 1 KiB bodies; one producer on a ConfirmChannel
// with at most WINDOW outstanding confirms; one consumer with prefetch WINDOW acking each.
// Needs `npm run build` first (imports dist/). Usage: node bench/amqp-raw.mjs [messages] [rounds]
import amqp from 'amqplib'
import {createDriver} from '../dist/drivers/index.js'

const URL = process.env.MQKIT_TEST_AMQP_URL ?? 'amqp://guest:guest@127.0.0.1:5672'
const MESSAGES = Number(process.argv[2] ?? 100_000)
const ROUNDS = Number(process.argv[3] ?? 2)
const WINDOW = 1000
const BODY = Buffer.alloc(1024, 'x')
// RAW_MANDATORY=1: the raw loop publishes mandatory too, as the driver does for queue targets.
const RAW_OPTIONS = process.env.RAW_MANDATORY === '1' ? {mandatory: true} : {}

async function raw(queue) {
  const model = await amqp.connect(URL, {noDelay: true})
  const admin = await model.createChannel()
  await admin.assertQueue(queue, {durable: false})
  const consumerChannel = await model.createChannel()
  await consumerChannel.prefetch(WINDOW)
  const producer = await model.createConfirmChannel()
  const start = process.hrtime.bigint()
  let received = 0
  const done = new Promise((resolve) => {
    consumerChannel.consume(queue, (m) => {
      if (m === null) return // cancelled by the queue delete below
      consumerChannel.ack(m)
      if (++received === MESSAGES) resolve()
    })
  })
  let outstanding = 0
  let wake
  for (let i = 0; i < MESSAGES; i++) {
    while (outstanding >= WINDOW) await new Promise((r) => (wake = r))
    outstanding++
    const writable = producer.sendToQueue(queue, BODY, RAW_OPTIONS, () => {
      outstanding--
      if (wake) {
        const w = wake
        wake = undefined
        w()
      }
    })
    if (!writable) await new Promise((r) => producer.once('drain', r))
  }
  await done
  const seconds = Number(process.hrtime.bigint() - start) / 1e9
  await admin.deleteQueue(queue)
  await model.close()
  return MESSAGES / seconds
}

async function viaDriver(queue) {
  const driver = await createDriver(URL, {clientName: 'mqkit bench amqp-raw'})
  await driver.connect()
  await driver.declare({name: queue, durable: false})
  const start = process.hrtime.bigint()
  let received = 0
  let resolveDone
  const done = new Promise((r) => (resolveDone = r))
  const sub = await driver.consume(queue, {prefetch: WINDOW}, (d) => {
    d.ack()
    if (++received === MESSAGES) resolveDone()
  })
  let outstanding = 0
  let wake
  const confirmed = () => {
    outstanding--
    if (wake) {
      const w = wake
      wake = undefined
      w()
    }
  }
  for (let i = 0; i < MESSAGES; i++) {
    while (outstanding >= WINDOW) await new Promise((r) => (wake = r))
    outstanding++
    driver.publish(queue, {body: BODY}).then(confirmed, (e) => {
      console.error(e.message)
      process.exit(1)
    })
  }
  await done
  const seconds = Number(process.hrtime.bigint() - start) / 1e9
  await sub.cancel()
  await driver.delete(queue)
  await driver.close()
  return MESSAGES / seconds
}

const results = {raw: [], driver: []}
for (let round = 0; round < ROUNDS; round++) {
  const tag = `${process.pid}-${round}`
  results.raw.push(await raw(`mqkit-bench-raw-${tag}`))
  results.driver.push(await viaDriver(`mqkit-bench-driver-${tag}`))
  console.error(`round ${round + 1}: raw ${results.raw.at(-1).toFixed(0)} msg/s, driver ${results.driver.at(-1).toFixed(0)} msg/s`)
}
const best = (xs) => Math.max(...xs)
const ratio = best(results.driver) / best(results.raw)
console.log(JSON.stringify({messages: MESSAGES, bodyBytes: BODY.length, window: WINDOW, rawMsgPerSec: Math.round(best(results.raw)), driverMsgPerSec: Math.round(best(results.driver)), ratio: Number(ratio.toFixed(3))}))
