/** The admin page: users, registration, the world channel, the audit log (role admin only; the server checks). */
import type { AppContext } from './context.js'

export interface AdminUser {
  id: string
  username: string
  nickname: string
  email: string | null
  role: 'user' | 'admin'
  state: 'active' | 'disabled' | 'deleted'
  createdAt: string
}

export interface RegistrationState {
  open: boolean
  opensAt: string | null
  closesAt: string | null
  openNow: boolean
}

export interface AuditEntry {
  id: string
  actorId: string
  action: string
  targetId: string | null
  details: Record<string, unknown>
  createdAt: string
}

const enc = encodeURIComponent

export class AdminActions {
  readonly #c: AppContext

  constructor(context: AppContext) {
    this.#c = context
  }

  async #get<T>(path: string, fallback: T): Promise<T> {
    try {
      return await this.#c.api.request<T>('GET', path)
    } catch (err) {
      this.#c.notifyError(err)
      return fallback
    }
  }

  async #do(method: string, path: string, body?: unknown): Promise<boolean> {
    try {
      await this.#c.api.request(method, path, body)
      return true
    } catch (err) {
      this.#c.notifyError(err)
      return false
    }
  }

  async users(q: string): Promise<AdminUser[]> {
    const query = q.trim() ? `?q=${enc(q.trim())}&limit=50` : '?limit=50'
    return (await this.#get<{ items: AdminUser[] }>(`/admin/users${query}`, { items: [] })).items
  }

  setDisabled(id: string, disabled: boolean): Promise<boolean> {
    return this.#do('POST', `/admin/users/${enc(id)}/${disabled ? 'disable' : 'enable'}`, {})
  }

  deleteUser(id: string): Promise<boolean> {
    return this.#do('DELETE', `/admin/users/${enc(id)}`, {})
  }

  registration(): Promise<RegistrationState | null> {
    return this.#get<RegistrationState | null>('/admin/registration', null)
  }

  setRegistration(patch: { open?: boolean; opensAt?: string | null; closesAt?: string | null }): Promise<boolean> {
    return this.#do('PATCH', '/admin/registration', patch)
  }

  async world(): Promise<{ open: boolean } | null> {
    return this.#get<{ open: boolean } | null>('/admin/world', null)
  }

  setWorldOpen(open: boolean): Promise<boolean> {
    return this.#do('PUT', '/admin/world', { open })
  }

  muteInWorld(userId: string, until: Date): Promise<boolean> {
    return this.#do('PUT', `/admin/world/mutes/${enc(userId)}`, { until: until.toISOString() })
  }

  unmuteInWorld(userId: string): Promise<boolean> {
    return this.#do('DELETE', `/admin/world/mutes/${enc(userId)}`)
  }

  async auditLog(): Promise<AuditEntry[]> {
    return (await this.#get<{ items: AuditEntry[] }>('/admin/audit-log?limit=50', { items: [] })).items
  }
}
