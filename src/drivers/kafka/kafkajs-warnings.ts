// kafkajs 2.2.4 computes some timer delays as a deadline minus now, which can come out negative.
// Node has always run such a timer after 1 ms, which is what kafkajs means; from Node 23 on it
// also prints a TimeoutNegativeWarning on stderr, which would break mqkit's one-line errors and
// pollute every Kafka command's diagnostics. Only that warning is dropped, and only once kafkajs
// is loaded (this module is imported beside it).
const emitWarning = process.emitWarning.bind(process)

function isNegativeTimeoutWarning(warning: string | Error, typeOrOptions: unknown): boolean {
  if (warning instanceof Error && warning.name === 'TimeoutNegativeWarning') return true
  if (typeOrOptions === 'TimeoutNegativeWarning') return true
  return typeof typeOrOptions === 'object' && typeOrOptions !== null && (typeOrOptions as {type?: unknown}).type === 'TimeoutNegativeWarning'
}

process.emitWarning = ((warning: string | Error, ...rest: unknown[]) => {
  if (isNegativeTimeoutWarning(warning, rest[0])) return
  return (emitWarning as (...args: unknown[]) => void)(warning, ...rest)
}) as typeof process.emitWarning
