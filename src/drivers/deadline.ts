// One way to bound a library call that has no overall timeout of its own (kafkajs connects and
// group joins, amqplib's connect): settle with `promise`, or reject with `makeError()` after
// `timeoutMs`, and never leave the timer running.
export function withDeadline<T>(promise: Promise<T>, timeoutMs: number, makeError: () => Error): Promise<T> {
  return new Promise<T>((resolve, reject) => {
    const timer = setTimeout(() => reject(makeError()), timeoutMs)
    promise.then(
      (value) => {
        clearTimeout(timer)
        resolve(value)
      },
      (error: unknown) => {
        clearTimeout(timer)
        reject(error)
      },
    )
  })
}
