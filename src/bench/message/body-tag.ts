// Private fields stamped onto the bodies a recycling PayloadSource hands out (memory:// runs):
// which source a body is from, whether it is out, and a 32-bit-word view of its stamp bytes.
// Fields on the Buffer itself: checking them is a property load, where a Set or WeakSet would
// cost hash operations per message; a view made once per body lets the stamp be written and read
// as ten word stores/loads instead of forty byte ones.
import {endianness} from 'node:os'

/** Word views store in host byte order; the stamp is little-endian. */
const WORDS_MATCH_STAMP = endianness() === 'LE'

/** Lets a class constructor return an existing object, so subclass private fields land on it. */
class Adopt {
  constructor(target: object) {
    // biome-ignore lint/correctness/noConstructorReturn: returning the target is the point (private fields on an existing Buffer).
    return target
  }
}

export class BodyTag extends Adopt {
  #source: object
  #out = false
  #words: Uint32Array | undefined

  private constructor(body: Buffer, source: object, stampWords: number) {
    super(body)
    this.#source = source
    // Bodies are carved at 8-byte-aligned offsets, so a Uint32Array view always fits.
    this.#words =
      WORDS_MATCH_STAMP && body.byteOffset % 4 === 0 && body.length >= stampWords * 4 ? new Uint32Array(body.buffer, body.byteOffset, stampWords) : undefined
  }

  /** Tag a freshly carved body (at least stampWords × 4 bytes long) as `source`'s. */
  static tag(body: Buffer, source: object, stampWords: number): Buffer {
    new BodyTag(body, source, stampWords)
    return body
  }

  static handOut(body: Buffer): void {
    ;(body as unknown as BodyTag).#out = true
  }

  /** True (and no longer out) when `body` is out from `source`. */
  static takeBack(body: Buffer, source: object): boolean {
    if (!(#source in body)) return false
    const tagged = body as unknown as BodyTag
    if (tagged.#source !== source || !tagged.#out) return false
    tagged.#out = false
    return true
  }

  /** The stamp's words of a tagged body (little-endian host), else undefined: use byte access. */
  static words(body: Buffer): Uint32Array | undefined {
    return #words in body ? (body as unknown as BodyTag).#words : undefined
  }
}
