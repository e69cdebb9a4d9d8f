#!/usr/bin/env node
// The RabbitMQ driver against a raw amqplib loop doing the same work (1 KiB, confirm window 1000,
// prefetch 1000), in the same run. Kept for its old command line; perf/amqp-perf.mjs does the
// work (and adds mqkit's `bench` beside them). Usage: node perf/amqp-raw.mjs [messages] [rounds]
process.env.PERF_CONTENDERS ??= 'raw,driver'
await import('./amqp-perf.mjs')
