import type { Clock } from '../../shared/clock.js'
import type { SettingsStore } from '../settings-store.js'
import { AppError } from '../errors.js'

/** Whether registration is open: the switch and an optional window (epoch ms, null = unbounded). */
export interface RegistrationState {
  open: boolean
  opensAt: number | null
  closesAt: number | null
  /** `open` and now inside the window */
  openNow: boolean
}

export interface RegistrationChange {
  open?: boolean
  /** null clears the bound */
  opensAt?: number | null
  closesAt?: number | null
}

/** Settings keys admins write; unset keys fall back to config. '' means "cleared by an admin". */
export const REGISTRATION_SETTINGS = {
  open: 'registration.open',
  opensAt: 'registration.opensAt',
  closesAt: 'registration.closesAt',
} as const

/**
 * Registration open/closed, by config (`registration.open/opensAt/closesAt`) overridden at run
 * time by admins (stored in settings, so every instance agrees).
 */
export class RegistrationPolicy {
  readonly #settings: SettingsStore
  readonly #clock: Clock
  readonly #defaults: { open: boolean; opensAt: number | null; closesAt: number | null }

  constructor(deps: { settings: SettingsStore; clock: Clock; config: { open: boolean; opensAt: string; closesAt: string } }) {
    this.#settings = deps.settings
    this.#clock = deps.clock
    this.#defaults = {
      open: deps.config.open,
      opensAt: deps.config.opensAt ? Date.parse(deps.config.opensAt) : null,
      closesAt: deps.config.closesAt ? Date.parse(deps.config.closesAt) : null,
    }
  }

  async state(): Promise<RegistrationState> {
    const [open, opensAt, closesAt] = await Promise.all([
      this.#settings.get(REGISTRATION_SETTINGS.open),
      this.#settings.get(REGISTRATION_SETTINGS.opensAt),
      this.#settings.get(REGISTRATION_SETTINGS.closesAt),
    ])
    const state = {
      open: open === null ? this.#defaults.open : open === 'true',
      opensAt: opensAt === null ? this.#defaults.opensAt : parseTime(opensAt),
      closesAt: closesAt === null ? this.#defaults.closesAt : parseTime(closesAt),
    }
    const now = this.#clock.now()
    const openNow = state.open && (state.opensAt === null || now >= state.opensAt) && (state.closesAt === null || now < state.closesAt)
    return { ...state, openNow }
  }

  /** Throws 422 `auth.registration_closed` (details say when it opens, if known) unless open now. */
  async assertOpen(): Promise<void> {
    const s = await this.state()
    if (s.openNow) return
    const now = this.#clock.now()
    const opensLater = s.open && s.opensAt !== null && now < s.opensAt
    throw new AppError(
      'auth.registration_closed',
      opensLater ? `Registration opens at ${new Date(s.opensAt!).toISOString()}.` : 'Registration is closed.',
      { details: { opensAt: iso(s.opensAt), closesAt: iso(s.closesAt), open: s.open } },
    )
  }

  /**
   * The settings rows a change writes (the admin service stores them together with its audit
   * row). Throws `request.invalid` when the window would end before it starts.
   */
  async settingsFor(change: RegistrationChange): Promise<Record<string, string>> {
    const current = await this.state()
    const opensAt = change.opensAt !== undefined ? change.opensAt : current.opensAt
    const closesAt = change.closesAt !== undefined ? change.closesAt : current.closesAt
    if (opensAt !== null && closesAt !== null && closesAt <= opensAt) {
      throw new AppError('request.invalid', 'closesAt must be later than opensAt.', { details: [{ field: 'closesAt', problem: 'order' }] })
    }
    const values: Record<string, string> = {}
    if (change.open !== undefined) values[REGISTRATION_SETTINGS.open] = String(change.open)
    if (change.opensAt !== undefined) values[REGISTRATION_SETTINGS.opensAt] = change.opensAt === null ? '' : String(change.opensAt)
    if (change.closesAt !== undefined) values[REGISTRATION_SETTINGS.closesAt] = change.closesAt === null ? '' : String(change.closesAt)
    return values
  }
}

function parseTime(stored: string): number | null {
  if (stored === '') return null
  const n = Number(stored)
  return Number.isFinite(n) ? n : null
}

function iso(ms: number | null): string | null {
  return ms === null ? null : new Date(ms).toISOString()
}
