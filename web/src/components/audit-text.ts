import type { NamedAuditEntry } from '../app/admin-actions.js'
import { formatDateTime } from '../app/format.js'
import type { Translate } from '../hooks/app-context.js'
import type { Locale, MessageKey } from '../i18n/index.js'
import { isMessageKey } from '../i18n/index.js'

/** One audit entry as a sentence: who did what to whom ("Ann disabled cid"), in the UI's language. */
export function auditText(t: Translate, a: NamedAuditEntry, locale: Locale): string {
  const params = { actor: a.actorName, target: a.targetName ?? '' }
  const time = (v: unknown) => (typeof v === 'string' ? formatDateTime(v, locale) : '—')
  switch (a.action) {
    case 'registration.updated':
      if (a.details.open === true) return t('admin.action.registration.opened', params)
      if (a.details.open === false) return t('admin.action.registration.closed', params)
      return t('admin.action.registration.window', { ...params, from: time(a.details.opensAt), to: time(a.details.closesAt) })
    case 'world.user_muted':
      return t('admin.action.world.user_muted', { ...params, time: time(a.details.until) })
    case 'group.member_limit_set':
      return t('admin.action.group.member_limit_set', { ...params, max: String(a.details.maxMembers ?? '') })
    default: {
      const key = `admin.action.${a.action}`
      return isMessageKey(key) ? t(key as MessageKey, params) : t('admin.action.other', { ...params, action: a.action })
    }
  }
}
