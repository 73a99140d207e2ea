/**
 * A list loaded over HTTP that live frames also change (friend requests, friends, invitations).
 * An answer read before a change can arrive after that change's frame was applied; showing it
 * would take the change back (a request seen live vanishes again). So a change or a second load
 * while one is in flight makes that answer stale: it is dropped and the list is read again, at
 * most `MAX_READS` times in a row (a list changing faster than that shows the last answer).
 */
const MAX_READS = 3

export class FreshLoad<T> {
  readonly #read: () => Promise<T>
  readonly #show: (answer: T) => void
  #inFlight: Promise<void> | null = null
  #stale = false

  constructor(read: () => Promise<T>, show: (answer: T) => void) {
    this.#read = read
    this.#show = show
  }

  /** Reads the list and shows it; joins a read in flight (which then reads once more). */
  run(): Promise<void> {
    if (this.#inFlight !== null) {
      this.#stale = true
      return this.#inFlight
    }
    this.#inFlight = this.#readUntilFresh().finally(() => (this.#inFlight = null))
    return this.#inFlight
  }

  /** A live frame changed the list: an answer in flight may predate it. */
  changed(): void {
    if (this.#inFlight !== null) this.#stale = true
  }

  async #readUntilFresh(): Promise<void> {
    for (let reads = 1; ; reads++) {
      this.#stale = false
      const answer = await this.#read()
      if (!this.#stale || reads === MAX_READS) return this.#show(answer)
    }
  }
}
