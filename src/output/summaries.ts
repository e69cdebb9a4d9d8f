// One-line human summaries for stderr, drawn from the same result objects that --json prints.
import type {ConsumeResult} from '../core/consume-end.js'
import type {PublishResult} from '../core/publish.js'
import {eventLine} from '../bench/render/progress.js'
import type {RunEvent} from '../results/availability.js'
import {formatCount, formatMillis, formatQuantity, formatRate} from './format.js'

export function publishSummary(result: PublishResult, target: string): string {
  const {nacked, unroutable, rejected} = result.failed
  const failures = [
    nacked > 0 ? `${formatCount(nacked)} nacked` : '',
    unroutable > 0 ? `${formatCount(unroutable)} unroutable` : '',
    rejected > 0 ? `${formatCount(rejected)} rejected` : '',
  ].filter(Boolean)
  const failedText = failures.length > 0 ? `, ${failures.join(', ')}` : ''
  const timing = result.elapsedMs > 0 ? ` in ${formatMillis(result.elapsedMs)} (${formatRate(result.ratePerSec)})` : ''
  // --recover: said even when 0, so a CI log shows the run was watched for it.
  const resent =
    result.resent === undefined ? '' : `, ${formatCount(result.resent)} re-sent${result.resent > 0 ? ' after a lost connection (may arrive twice)' : ''}`
  return `published to ${target}: ${formatCount(result.confirmed)} confirmed${failedText}${resent}${timing}`
}

const ENDINGS: Record<ConsumeResult['ended'], string> = {
  count: 'count reached',
  idle: 'idle timeout',
  end: 'end of log reached',
  empty: 'the queue holds no more',
  'prefetch-full': 'a full prefetch held',
  interrupted: 'interrupted',
  'output-closed': 'output closed',
  deleted: 'queue deleted',
  'connection-lost': 'connection lost',
  cancelled: 'cancelled by the broker',
}

/**
 * A peek that ended before --count: how many it saw, and why no more could come. Undefined when
 * the run did not end that way.
 */
export function peekNote(result: ConsumeResult, count: number | undefined): string | undefined {
  const seen = `peeked at ${formatQuantity(result.count, 'message')}`
  if (result.ended === 'empty') return `${seen}${count === undefined ? '' : ` of --count ${formatCount(count)}`}: the queue holds no more`
  if (result.ended === 'prefetch-full') return `${seen}, as many as one consumer may hold unacknowledged; raise --prefetch to see more`
  return undefined
}

export function consumeSummary(result: ConsumeResult, queue: string): string {
  const handling = result.meanHandlingMs === null ? '-' : formatMillis(result.meanHandlingMs)
  const rate = result.ratePerSec === null ? '-' : formatRate(result.ratePerSec)
  const returned = result.returned > 0 ? `, ${formatCount(result.returned)} returned to the queue` : ''
  return `consumed from ${queue}: ${formatQuantity(result.count, 'message')}${returned}${redeliveryNote(result)}, mean handling ${handling}, ${rate} (${ENDINGS[result.ended]})`
}

/** --recover: written messages whose acknowledgement was lost with the connection; said even when 0, so a CI log shows it. */
function redeliveryNote(result: ConsumeResult): string {
  const n = result.redeliveryExpected
  if (n === undefined) return ''
  if (n === 0) return ', 0 written but not acknowledged'
  return `, ${formatCount(n)} written but not acknowledged (connection lost: the broker delivers ${n === 1 ? 'it' : 'them'} again)`
}

/**
 * --recover: a connection event as a stderr line (`mqkit: 3.2s  consumer 1: connection lost (...);
 * reconnecting`). Giving up is left to the command's error line, which says the same.
 */
export function connectionEventNote(event: RunEvent): string | undefined {
  if (event.kind === 'gave-up') return undefined
  return `mqkit: ${eventLine(event)}`
}
