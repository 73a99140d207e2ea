/** Run-time switches admins change (registration open, world channel open...). */
export interface SettingsStore {
  /** The stored value of `key`, or null when never set. */
  get(key: string): Promise<string | null>
  /** Inserts or replaces. */
  set(key: string, value: string, now: number): Promise<void>
}
