/** The admin page: users, registration, the world channel, the audit log (role admin only; the server checks). */
import { unwrap } from '@jim/client'
import type { Group } from '../api/types.js'
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

/** An audit entry with the names of who did it and to whom (the id when the name cannot be found). */
export interface NamedAuditEntry extends AuditEntry {
  actorName: string
  targetName: string | null
}

/** Actions whose target is a user, and those whose target is a group. */
const USER_TARGET = /^(user\.|world\.user_)/
const GROUP_TARGET = /^group\./

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

  /** names by id (users and groups), kept for the session: ids do not change their owner */
  readonly #names = new Map<string, string>()

  /** One change; says it is done (`doneKey`) or why it failed. */
  async #do(method: string, path: string, body: unknown, doneKey: string, params?: Record<string, string>): Promise<boolean> {
    try {
      await this.#c.api.request(method, path, body)
      this.#c.notify({ kind: 'info', key: doneKey, ...(params ? { params } : {}) })
      return true
    } catch (err) {
      this.#c.notifyError(err)
      return false
    }
  }

  async #name(id: string, kind: 'user' | 'group'): Promise<string> {
    const known = this.#names.get(id)
    if (known) return known
    try {
      const name =
        kind === 'user'
          ? await this.#c.api.request<AdminUser>('GET', `/admin/users/${enc(id)}`).then((u) => u.nickname || u.username)
          : (this.#c.state.groups[id]?.name ?? unwrap<Group>(await this.#c.api.group(id), 'group').name)
      if (!name) return id
      this.#names.set(id, name)
      return name
    } catch {
      return id
    }
  }

  async users(q: string): Promise<AdminUser[]> {
    const query = q.trim() ? `?q=${enc(q.trim())}&limit=50` : '?limit=50'
    return (await this.#get<{ items: AdminUser[] }>(`/admin/users${query}`, { items: [] })).items
  }

  setDisabled(user: AdminUser, disabled: boolean): Promise<boolean> {
    return this.#do(
      'POST',
      `/admin/users/${enc(user.id)}/${disabled ? 'disable' : 'enable'}`,
      {},
      disabled ? 'admin.done.disabled' : 'admin.done.enabled',
      {
        name: user.nickname || user.username,
      },
    )
  }

  deleteUser(user: AdminUser): Promise<boolean> {
    return this.#do('DELETE', `/admin/users/${enc(user.id)}`, {}, 'admin.done.deleted', { name: user.nickname || user.username })
  }

  registration(): Promise<RegistrationState | null> {
    return this.#get<RegistrationState | null>('/admin/registration', null)
  }

  setRegistration(patch: { open?: boolean; opensAt?: string | null; closesAt?: string | null }): Promise<boolean> {
    return this.#do('PATCH', '/admin/registration', patch, 'admin.done.registration')
  }

  async world(): Promise<{ open: boolean } | null> {
    return this.#get<{ open: boolean } | null>('/admin/world', null)
  }

  setWorldOpen(open: boolean): Promise<boolean> {
    return this.#do('PUT', '/admin/world', { open }, open ? 'admin.done.worldOpened' : 'admin.done.worldClosed')
  }

  muteInWorld(user: AdminUser, until: Date): Promise<boolean> {
    return this.#do('PUT', `/admin/world/mutes/${enc(user.id)}`, { until: until.toISOString() }, 'admin.done.worldMuted', {
      name: user.nickname || user.username,
    })
  }

  unmuteInWorld(user: AdminUser): Promise<boolean> {
    return this.#do('DELETE', `/admin/world/mutes/${enc(user.id)}`, undefined, 'admin.done.worldUnmuted', {
      name: user.nickname || user.username,
    })
  }

  /** The latest 50 entries, with the names of the admin and of the user or group acted on. */
  async auditLog(): Promise<NamedAuditEntry[]> {
    const items = (await this.#get<{ items: AuditEntry[] }>('/admin/audit-log?limit=50', { items: [] })).items
    const targetKind = (a: AuditEntry) => (USER_TARGET.test(a.action) ? 'user' : GROUP_TARGET.test(a.action) ? 'group' : null)
    const wanted = new Map<string, 'user' | 'group'>()
    for (const a of items) {
      wanted.set(a.actorId, 'user')
      const kind = targetKind(a)
      if (a.targetId && kind) wanted.set(a.targetId, kind)
    }
    await Promise.all([...wanted].map(([id, kind]) => this.#name(id, kind)))
    return items.map((a) => {
      // a deleted account keeps the username it had in the entry's details
      const username = typeof a.details.username === 'string' ? a.details.username : null
      return {
        ...a,
        actorName: this.#names.get(a.actorId) ?? a.actorId,
        targetName: a.targetId
          ? ((a.action === 'user.deleted' ? username : null) ?? this.#names.get(a.targetId) ?? username ?? a.targetId)
          : null,
      }
    })
  }
}
