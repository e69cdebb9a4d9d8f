// ProduceClient on kafkajs: one sendBatch() per produce request.
import kafkajs from 'kafkajs'
import type {Kafka, Message, Producer} from 'kafkajs'
import {RETRY} from '../config.js'
import type {Compression, ProduceClient, ProduceRequest} from './produce-client.js'

const {CompressionTypes, Partitioners} = kafkajs

export function kafkajsProducer(kafka: Kafka): ProduceClient {
  // DefaultPartitioner: murmur2(key) as Java's producer, round robin without a key.
  // retries 0: a retry inside one sendBatch() goes only to the brokers that have not answered yet,
  // so records of a partition whose leader moved to a broker that answered for another partition
  // are never sent, yet the call succeeds (lost). send() retries the whole request instead.
  const producer: Producer = kafka.producer({createPartitioner: Partitioners.DefaultPartitioner, allowAutoTopicCreation: false, retry: {retries: 0}})
  return {
    connect: () => producer.connect(),
    disconnect: () => producer.disconnect(),
    async send({acks, compression, topics}: ProduceRequest) {
      // ProduceRecord is kafkajs's Message shape: no copy.
      const batch = {
        acks,
        compression: compressionCode(compression),
        topicMessages: topics.map(({topic, records}) => ({topic, messages: records as Message[]})),
      }
      for (let attempt = 1; ; attempt++) {
        try {
          await producer.sendBatch(batch)
          return
        } catch (error) {
          // A retriable failure (kafkajs has refreshed the metadata) is KafkaJSNumberOfRetriesExceeded
          // with retries 0: the whole request again, RETRY.retries times, as kafkajs's own retrier
          // would. Still the only request in flight, so order holds; partitions that were written
          // are written again (at least once, as any retried produce).
          if ((error as Error).name !== 'KafkaJSNumberOfRetriesExceeded' || attempt > RETRY.retries) throw error
          await new Promise((resolve) => setTimeout(resolve, Math.min(RETRY.initialRetryTime * RETRY.multiplier ** (attempt - 1), RETRY.maxRetryTime)))
        }
      }
    },
  }
}

function compressionCode(compression: Compression): number {
  return compression === 'gzip' ? CompressionTypes.GZIP : CompressionTypes.None
}
