// A delivery handed to a consumer's handler, decoded from its row. The lease (row id, owner,
// delivery count) and the settler live in private fields, so printing or spreading a delivery
// shows only the contract's fields.
import type {Delivery, Headers} from '../types.js'
import type {StoredProps} from './enqueue.js'
import type {MessageRow} from './schema.js'
import type {SettleOutcome} from './store.js'

export interface Settler {
  settle(delivery: LocalDelivery, outcome: SettleOutcome): Promise<void>
}

const SETTLED: Promise<void> = Promise.resolve()
const NO_HEADERS: Headers = Object.freeze({}) as Headers

export class LocalDelivery implements Delivery {
  readonly queue: string
  readonly body: Buffer
  readonly key: string | undefined
  readonly headers: Headers
  readonly priority: number | undefined
  readonly messageId: string | undefined
  readonly correlationId: string | undefined
  readonly contentType: string | undefined
  readonly redelivered: boolean
  readonly deliveryCount: number
  readonly timestampMs: number
  readonly #rowId: number
  /** Undefined under autoAck: the row was deleted when it was claimed. */
  #settler: Settler | undefined

  constructor(row: MessageRow, settler: Settler | undefined) {
    const props: StoredProps = row.props === null ? {} : JSON.parse(row.props)
    this.queue = row.queue
    this.body = row.body
    this.key = row.msg_key ?? undefined
    this.headers = row.headers === null ? {...NO_HEADERS} : JSON.parse(row.headers)
    this.priority = props.p
    this.messageId = props.mid
    this.correlationId = props.cid
    this.contentType = props.ct
    // The claim already counted this delivery (delivery_count + 1 ... RETURNING).
    this.deliveryCount = row.delivery_count
    this.redelivered = row.delivery_count > 1
    this.timestampMs = row.enqueued_ms
    this.#rowId = row.id
    this.#settler = settler
  }

  get rowId(): number {
    return this.#rowId
  }

  ack(): Promise<void> {
    return this.#settle('ack')
  }

  nack(requeue: boolean): Promise<void> {
    return this.#settle(requeue ? 'requeue' : 'reject')
  }

  /** Exactly one settle per delivery; later calls are ignored. */
  #settle(outcome: SettleOutcome): Promise<void> {
    const settler = this.#settler
    if (settler === undefined) return SETTLED
    this.#settler = undefined
    return settler.settle(this, outcome)
  }
}
