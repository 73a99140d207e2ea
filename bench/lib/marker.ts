/** Epoch milliseconds with sub-millisecond precision, comparable across processes on one machine. */
export const wallClock = (): number => performance.timeOrigin + performance.now()

/**
 * A message text that carries its number and send time, padded to `size` characters, which the
 * socket swarm recognizes in any frame (a JIM `message.created` or a raw broadcast).
 */
export function markedText(id: number, size: number): string {
  const head = `~b:${id}:${wallClock().toFixed(3)}~`
  return head.length >= size ? head : head + '.'.repeat(size - head.length)
}
