import type { SessionStore } from './session-store.js'
import type { SettingsStore } from './settings-store.js'
import type { UserStore } from './user-store.js'

/**
 * The system of record, as the domain sees it: one repository per concept. Each repository
 * method is use-case sized and runs its own transaction when it writes several rows.
 */
export interface Store {
  readonly users: UserStore
  readonly sessions: SessionStore
  readonly settings: SettingsStore
  /** Resolves when the database answers a trivial query; rejects otherwise. */
  ping(): Promise<void>
  /** Closes the pool. */
  close(): Promise<void>
}
