// Which topics exist and how many partitions they have, cached per driver. Publishing checks
// here first because kafkajs, given an unknown topic, retries UNKNOWN_TOPIC_OR_PARTITION before
// failing; with the cache a missing topic is a NotFoundError after one metadata round trip and
// later publishes pay nothing.
import type {Admin} from 'kafkajs'
import {requireTopic, type TopicInfo} from './admin.js'

export class TopicCache {
  private readonly known = new Map<string, TopicInfo>()
  private readonly lookups = new Map<string, Promise<TopicInfo>>()

  constructor(private readonly admin: () => Admin) {}

  /** Synchronous hit, so the publish hot path does not await anything. */
  peek(topic: string): TopicInfo | undefined {
    return this.known.get(topic)
  }

  /** NotFoundError when the topic does not exist. Concurrent callers share one lookup. */
  get(topic: string, action: string): Promise<TopicInfo> {
    const hit = this.known.get(topic)
    if (hit) return Promise.resolve(hit)
    let lookup = this.lookups.get(topic)
    if (!lookup) {
      lookup = requireTopic(this.admin(), topic, action)
        .then((info) => {
          this.known.set(topic, info)
          return info
        })
        .finally(() => this.lookups.delete(topic))
      this.lookups.set(topic, lookup)
    }
    return lookup
  }

  forget(topic: string): void {
    this.known.delete(topic)
  }
}
