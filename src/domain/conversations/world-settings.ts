import type { Store } from '../store.js'

const OPEN_KEY = 'world.open'
const muteKey = (userId: string) => `world.mute.${userId}`

/** The world channel's switches: open or closed, and per-user mutes (admins set them). */
export class WorldSettings {
  readonly #store: Store
  constructor(store: Store) {
    this.#store = store
  }

  async isOpen(): Promise<boolean> {
    return (await this.#store.settings.get(OPEN_KEY)) !== 'false'
  }

  async setOpen(open: boolean, now: number): Promise<void> {
    await this.#store.settings.set(OPEN_KEY, String(open), now)
    await this.#factsChanged(now)
  }

  /** Epoch ms until which the user may not post in the world channel, or null. */
  async mutedUntil(userId: string, now: number): Promise<number | null> {
    const value = Number((await this.#store.settings.get(muteKey(userId))) ?? 0)
    return value > now ? value : null
  }

  /** `until` null lifts the mute. */
  async setMute(userId: string, until: number | null, now: number): Promise<void> {
    await this.#store.settings.set(muteKey(userId), String(until ?? 0), now)
    await this.#factsChanged(now)
  }

  /** Both are send facts: bump the world's version so cached facts are checked again (SendFactsCache). */
  async #factsChanged(now: number): Promise<void> {
    const world = await this.#store.conversations.getOrCreateWorld(now)
    await this.#store.conversations.bumpMembershipVersion(world.id, now)
  }
}
