// Colour only when the stream is a terminal and NO_COLOR is not set (https://no-color.org).
import {Chalk, type ChalkInstance} from 'chalk'

export function colourFor(stream: NodeJS.WriteStream): ChalkInstance {
  const wanted = stream.isTTY === true && !('NO_COLOR' in process.env && process.env.NO_COLOR !== '')
  const forced = process.env.FORCE_COLOR !== undefined && process.env.FORCE_COLOR !== '0'
  return new Chalk({level: wanted || forced ? 1 : 0})
}
