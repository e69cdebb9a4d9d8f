// A --shared-queues shard's receipts in its result document, for `report merge` to judge the
// run's integrity as one process would: the shard's integrity tracker (bench/integrity.ts) as
// counters and per-producer bitsets — what it received first-hand and what its final drain found,
// from any shard's producers, and the confirmed and in-doubt publishes of its own — each bitset
// deflated and base64-encoded (1 bit per message before compression; a full bitset compresses to
// almost nothing). The merge folds every shard's into one tracker (unionSnapshots), so a message
// two shards received is a duplicate and a confirmed message nobody received or drained is lost.
import {deflateRawSync, inflateRawSync} from 'node:zlib'
import {type IntegrityFigures, type IntegritySnapshot, unionSnapshots} from '../bench/integrity.js'
import type {IntegrityTracker} from '../bench/integrity.js'

/** Bitsets by producer id (decimal string keys), each deflate-raw + base64; only ids with a bit set. */
export type EncodedBitsets = Record<string, string>

export interface EncodedReceipts {
  encoding: 'deflate-raw+base64 bitsets by producer id'
  counters: IntegritySnapshot['counters']
  received: EncodedBitsets
  confirmed: EncodedBitsets
  inDoubt: EncodedBitsets
  left: EncodedBitsets
  /** The shard's final drain read the shared queues empty (or found them empty): `left` is complete. */
  drained: boolean
}

const ENCODING = 'deflate-raw+base64 bitsets by producer id'

function encodeSets(sets: Array<Uint8Array | null> | undefined): EncodedBitsets {
  const out: EncodedBitsets = {}
  sets?.forEach((bits, producerId) => {
    if (!bits || bits.every((b) => b === 0)) return
    // Trailing zero bytes (a bitset grows by doubling) carry nothing.
    let end = bits.length
    while (end > 0 && bits[end - 1] === 0) end--
    out[String(producerId)] = deflateRawSync(bits.subarray(0, end)).toString('base64')
  })
  return out
}

function decodeSets(encoded: EncodedBitsets): Array<Uint8Array | null> {
  const sets: Array<Uint8Array | null> = []
  for (const [id, text] of Object.entries(encoded)) sets[Number(id)] = new Uint8Array(inflateRawSync(Buffer.from(text, 'base64')))
  return Array.from(sets, (s) => s ?? null)
}

export function encodeReceipts(tracker: IntegrityTracker): EncodedReceipts {
  const snapshot = tracker.snapshot()
  return {
    encoding: ENCODING,
    counters: snapshot.counters,
    received: encodeSets(snapshot.received),
    confirmed: encodeSets(snapshot.confirmed),
    inDoubt: encodeSets(snapshot.inDoubt),
    left: encodeSets(snapshot.left),
    drained: snapshot.drained === true,
  }
}

export function decodeReceipts(receipts: EncodedReceipts): IntegritySnapshot {
  return {
    counters: receipts.counters,
    received: decodeSets(receipts.received),
    confirmed: decodeSets(receipts.confirmed),
    inDoubt: decodeSets(receipts.inDoubt),
    left: decodeSets(receipts.left),
    drained: receipts.drained,
  }
}

/**
 * The run's integrity from every shard's receipts, as one tracker fed every shard's events would
 * state it. Lost and left in queue are per message when every shard's drain completed; else the
 * figures are from what the drains found, and `lostUnknown` says why lost is only an upper bound.
 */
export function mergedIntegrity(receipts: EncodedReceipts[]): IntegrityFigures {
  const tracker = unionSnapshots(receipts.map(decodeReceipts))
  const drainedAll = tracker.drained
  tracker.drained = true
  const figures = tracker.figures(0)
  if (!drainedAll) {
    delete figures.leftInQueueBy
    figures.lostUnknown = "a shard's end-of-run drain did not read the shared queues empty: what it left there counts as lost"
  }
  return figures
}
