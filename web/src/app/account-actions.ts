/** My account: profile and avatar, password, e-mail, devices, deletion; password reset before signing in. */
import type { DeviceSession, SelfUser, UserStatus } from '../api/types.js'
import type { AppContext } from './context.js'

export class AccountActions {
  readonly #c: AppContext

  constructor(context: AppContext) {
    this.#c = context
  }

  #setMe(user: SelfUser): void {
    this.#c.set((s) =>
      s.auth ? { ...s, auth: { ...s.auth, user }, users: { ...s.users, [user.id]: { ...s.users[user.id], ...user, deleted: false } } } : s,
    )
  }

  async #run(work: () => Promise<unknown>, okKey?: string): Promise<boolean> {
    try {
      await work()
      if (okKey) this.#c.notify({ kind: 'info', key: okKey })
      return true
    } catch (err) {
      this.#c.notifyError(err)
      return false
    }
  }

  updateProfile(patch: { nickname?: string; bio?: string; status?: UserStatus; mentionAlertMuted?: boolean }): Promise<boolean> {
    return this.#run(async () => this.#setMe(await this.#c.api.updateMe(patch)), 'settings.saved')
  }

  setAvatar(file: File): Promise<boolean> {
    return this.#run(async () => {
      const up = await this.#c.api.upload(file, file.name, 'image')
      this.#setMe(await this.#c.api.updateMe({ avatar: up.fileId }))
    }, 'settings.saved')
  }

  clearAvatar(): Promise<boolean> {
    return this.#run(async () => this.#setMe(await this.#c.api.updateMe({ avatar: null })), 'settings.saved')
  }

  changePassword(current: string, next: string): Promise<boolean> {
    return this.#run(() => this.#c.api.changePassword(current, next), 'settings.passwordChanged')
  }

  bindEmail(email: string, password: string): Promise<boolean> {
    return this.#run(() => this.#c.api.bindEmail(email, password), 'settings.codeSent')
  }

  verifyEmail(code: string): Promise<boolean> {
    return this.#run(async () => {
      await this.#c.api.verifyEmail(code)
      this.#setMe(await this.#c.api.me())
    }, 'settings.emailVerified')
  }

  async sessions(): Promise<DeviceSession[]> {
    try {
      return (await this.#c.api.sessions()).items
    } catch (err) {
      this.#c.notifyError(err)
      return []
    }
  }

  revokeSession(id: string): Promise<boolean> {
    return this.#run(() => this.#c.api.revokeSession(id))
  }

  revokeOthers(): Promise<boolean> {
    return this.#run(() => this.#c.api.revokeOtherSessions())
  }

  /** Deletes my account; the caller signs out afterwards. */
  deleteAccount(password: string): Promise<boolean> {
    return this.#run(() => this.#c.api.deleteAccount(password))
  }

  requestReset(email: string): Promise<boolean> {
    return this.#run(() => this.#c.api.requestReset(email), 'settings.codeSent')
  }

  confirmReset(email: string, code: string, password: string): Promise<boolean> {
    return this.#run(() => this.#c.api.confirmReset(email, code, password), 'auth.resetDone')
  }
}
