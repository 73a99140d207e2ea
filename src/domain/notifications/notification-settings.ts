import { AppError } from '../errors.js'

/** What a user chose about being notified (one row per user; defaults until they change anything). */
export interface NotificationSettings {
  /** pushes show the sender's text; false: only "New message" */
  previews: boolean
  /** quiet hours in `timeZone`, minutes of the day [start, end) (wrapping midnight); null: none */
  quietStart: number | null
  quietEnd: number | null
  /** IANA zone, e.g. `Asia/Shanghai` */
  timeZone: string
  /** e-mail a digest of messages left unread (to the verified address) */
  emailDigest: boolean
}

export const DEFAULT_SETTINGS: NotificationSettings = {
  previews: true,
  quietStart: null,
  quietEnd: null,
  timeZone: 'UTC',
  emailDigest: false,
}

/** Merges a patch onto `current`, refusing what cannot be honoured (unknown zone, half-set quiet hours). */
export function applySettingsPatch(current: NotificationSettings, patch: Partial<NotificationSettings>): NotificationSettings {
  const next = { ...current, ...patch }
  if (!isTimeZone(next.timeZone))
    invalid('timeZone', `"${next.timeZone}" is not a known time zone (use an IANA name such as Europe/Berlin).`)
  if ((next.quietStart === null) !== (next.quietEnd === null)) invalid('quietStart', 'Set both quietStart and quietEnd, or neither.')
  return next
}

/** Whether `now` falls in the quiet hours, read on the user's wall clock. */
export function inQuietHours(s: NotificationSettings, now: number): boolean {
  if (s.quietStart === null || s.quietEnd === null || s.quietStart === s.quietEnd) return false
  const minute = minuteOfDay(now, s.timeZone)
  return s.quietStart < s.quietEnd ? minute >= s.quietStart && minute < s.quietEnd : minute >= s.quietStart || minute < s.quietEnd
}

function minuteOfDay(now: number, timeZone: string): number {
  const parts = new Intl.DateTimeFormat('en-GB', { timeZone, hour: '2-digit', minute: '2-digit', hourCycle: 'h23' }).formatToParts(now)
  const get = (type: string) => Number(parts.find((p) => p.type === type)?.value ?? 0)
  return get('hour') * 60 + get('minute')
}

function isTimeZone(zone: string): boolean {
  try {
    new Intl.DateTimeFormat('en', { timeZone: zone })
    return zone.length <= 64
  } catch {
    return false
  }
}

function invalid(field: string, message: string): never {
  throw new AppError('request.invalid', message, { details: [{ field, problem: 'invalid' }] })
}
