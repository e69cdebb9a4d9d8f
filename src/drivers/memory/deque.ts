// A double-ended queue on a power-of-two ring buffer. Queues in the memory broker hold up to
// millions of messages: Array.shift is O(n) on large arrays, this is O(1) at both ends, and
// unshift is needed to put requeued messages back at the head.

export class Deque<T> {
  private items: Array<T | undefined>
  private head = 0
  private count = 0
  private mask: number

  constructor(private readonly initialCapacity = 16) {
    this.items = new Array<T | undefined>(initialCapacity)
    this.mask = initialCapacity - 1
  }

  get length(): number {
    return this.count
  }

  push(item: T): void {
    if (this.count === this.items.length) this.grow()
    this.items[(this.head + this.count) & this.mask] = item
    this.count++
  }

  unshift(item: T): void {
    if (this.count === this.items.length) this.grow()
    this.head = (this.head - 1) & this.mask
    this.items[this.head] = item
    this.count++
  }

  peek(): T | undefined {
    return this.count === 0 ? undefined : this.items[this.head]
  }

  shift(): T | undefined {
    if (this.count === 0) return undefined
    const item = this.items[this.head]
    this.items[this.head] = undefined // let the message be collected
    this.head = (this.head + 1) & this.mask
    this.count--
    return item
  }

  /** Remove everything; returns how many items there were. */
  clear(): number {
    const removed = this.count
    this.items = new Array<T | undefined>(this.initialCapacity)
    this.mask = this.initialCapacity - 1
    this.head = 0
    this.count = 0
    return removed
  }

  private grow(): void {
    const next = new Array<T | undefined>(this.items.length * 2)
    for (let i = 0; i < this.count; i++) next[i] = this.items[(this.head + i) & this.mask]
    this.items = next
    this.head = 0
    this.mask = next.length - 1
  }
}
