// ProduceClient on kafkajs: one sendBatch() per produce request.
import kafkajs from 'kafkajs'
import type {Kafka, Message, Producer} from 'kafkajs'
import type {Compression, ProduceClient, ProduceRequest} from './produce-client.js'

const {CompressionTypes, Partitioners} = kafkajs

export function kafkajsProducer(kafka: Kafka): ProduceClient {
  // DefaultPartitioner: murmur2(key) as Java's producer, round robin without a key.
  const producer: Producer = kafka.producer({createPartitioner: Partitioners.DefaultPartitioner, allowAutoTopicCreation: false})
  return {
    connect: () => producer.connect(),
    disconnect: () => producer.disconnect(),
    async send({acks, compression, topics}: ProduceRequest) {
      // ProduceRecord is kafkajs's Message shape: no copy.
      await producer.sendBatch({
        acks,
        compression: compressionCode(compression),
        topicMessages: topics.map(({topic, records}) => ({topic, messages: records as Message[]})),
      })
    },
  }
}

function compressionCode(compression: Compression): number {
  return compression === 'gzip' ? CompressionTypes.GZIP : CompressionTypes.None
}
