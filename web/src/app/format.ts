/** Names, previews and times as the UI shows them (pure functions of the state). */
import type { Conversation, Message } from '../api/types.js'
import { translate, type Locale, type MessageKey } from '../i18n/index.js'
import type { State } from '../store/state.js'

type NameState = Pick<State, 'auth' | 'friends' | 'users' | 'members' | 'locale'>

/** What to call a user here: my own nickname, a friend's remark, a group nickname, their nickname. */
export function displayNameOf(s: NameState, userId: string | null | undefined, groupId?: string | null): string {
  if (!userId) return translate(s.locale, 'user.system')
  if (s.auth?.user?.id === userId) return s.auth.user.nickname || s.auth.user.username
  const friend = s.friends[userId]
  if (friend?.remark) return friend.remark
  if (groupId) {
    const m = s.members[groupId]?.find((x) => x.user.id === userId)
    if (m?.groupNickname) return m.groupNickname
  }
  const u = friend?.user ?? s.users[userId]
  if (!u) return '…'
  if (u.deleted) return translate(s.locale, 'user.deleted')
  return u.nickname || u.username
}

export function conversationTitle(s: NameState, c: Conversation): string {
  if (c.kind === 'world') return translate(s.locale, 'conv.world')
  if (c.kind === 'group') return c.group?.name ?? translate(s.locale, 'conv.group')
  if (c.peer) return displayNameOf({ ...s, users: { ...s.users, [c.peer.id]: c.peer } }, c.peer.id)
  return translate(s.locale, 'conv.direct')
}

const TYPE_KEYS: Record<string, MessageKey> = {
  image: 'msg.type.image',
  file: 'msg.type.file',
  voice: 'msg.type.voice',
  video: 'msg.type.video',
  location: 'msg.type.location',
  sticker: 'msg.type.sticker',
  forward: 'msg.type.forward',
}

/** One line of a message for previews and notifications. */
export function previewText(s: NameState, m: Message): string {
  if (m.recalledAt) return translate(s.locale, 'msg.recalled')
  if (m.type === 'text') return String(m.content.text ?? '')
  if (m.type === 'system') return systemText(s, m)
  const caption = captionOf(m.content)
  return caption ? `${typeLabel(s.locale, m.type)} ${caption}` : typeLabel(s.locale, m.type)
}

/** The sender's words on an image, file or video message, if any. */
export function captionOf(content: Record<string, unknown>): string {
  return typeof content.caption === 'string' ? content.caption : ''
}

/** What a message of this (non-text) type is called: "Image", "Sticker"... */
export function typeLabel(locale: Locale, type: string): string {
  const key = TYPE_KEYS[type]
  return key ? translate(locale, key) : translate(locale, 'msg.type.unknown')
}

type SystemContent = {
  event?: string
  userId?: string
  userIds?: string[]
  actorId?: string
  toId?: string
  name?: string
  reason?: string
  role?: string
  until?: string
  media?: string
  outcome?: string
  durationSeconds?: number
  changes?: { name?: string; announcement?: string; muteAll?: boolean; avatarFileId?: string; joinPolicy?: string }
}

/**
 * What a system message says: who did what to whom, from the fields each server event carries
 * (an ownership transfer names its new owner in `toId`; a group update lists its `changes`,
 * and a new announcement is shown in full).
 */
export function systemText(s: NameState, m: Message): string {
  const c = m.content as SystemContent
  const name = (id: string | null | undefined) => displayNameOf(s, id ?? null)
  const tr = (key: MessageKey, params: Record<string, string> = {}) =>
    translate(s.locale, key, { actor: name(c.actorId ?? c.userId), user: name(c.userId ?? c.actorId), ...params })
  const byOther = !!c.actorId && !!c.userId && c.actorId !== c.userId
  switch (c.event) {
    case 'group_created':
      return tr('sys.group_created', { name: c.name ?? '' })
    case 'member_joined':
    case 'member_invited':
      return byOther ? tr('sys.member_added') : tr('sys.member_joined')
    case 'members_added':
      return tr('sys.member_added', { user: (c.userIds ?? []).map(name).join(', ') })
    case 'member_left':
      if (c.reason === 'banned') return tr('sys.member_banned')
      return c.reason === 'removed' || byOther ? tr('sys.member_removed') : tr('sys.member_left')
    case 'member_removed':
      return tr('sys.member_removed')
    case 'member_role_changed':
      return tr(c.role === 'admin' ? 'sys.admin_added' : 'sys.admin_removed')
    case 'member_muted':
      return tr('sys.member_muted', { time: c.until ? formatDateTime(c.until, s.locale) : '' })
    case 'member_unmuted':
      return tr('sys.member_unmuted')
    case 'owner_transferred':
      return tr('sys.owner_transferred', { user: name(c.toId ?? c.userId) })
    case 'group_renamed':
      return tr('sys.group_renamed', { name: c.name ?? '' })
    case 'group_updated':
      return groupUpdateText(c, tr)
    case 'group_dissolved':
      return tr('sys.group_dissolved')
    case 'friend_added':
      return tr('sys.friend_added')
    case 'message_pinned':
      return tr('sys.message_pinned')
    case 'message_unpinned':
      return tr('sys.message_unpinned')
    case 'call':
      return callText(s.locale, c)
    default:
      return tr('sys.unknown')
  }
}

/** "Voice call, 3 min", "Missed video call", "Call declined"... (a cancelled call is a missed one for the callee). */
function callText(locale: Locale, c: SystemContent): string {
  const video = c.media === 'video'
  switch (c.outcome) {
    case 'completed': {
      const secs = c.durationSeconds ?? 0
      const duration =
        secs >= 60
          ? translate(locale, 'call.minutes', { count: Math.round(secs / 60) })
          : translate(locale, 'call.seconds', { count: secs })
      return translate(locale, video ? 'sys.call_video_completed' : 'sys.call_voice_completed', { duration })
    }
    case 'declined':
      return translate(locale, 'sys.call_declined')
    case 'busy':
      return translate(locale, 'sys.call_busy')
    case 'failed':
      return translate(locale, 'sys.call_failed')
    default:
      return translate(locale, video ? 'sys.call_video_missed' : 'sys.call_voice_missed')
  }
}

function groupUpdateText(c: SystemContent, tr: (key: MessageKey, params?: Record<string, string>) => string): string {
  const ch = c.changes ?? {}
  const lines: string[] = []
  if (ch.name !== undefined) lines.push(tr('sys.group_renamed_by', { name: ch.name }))
  if (ch.avatarFileId !== undefined) lines.push(tr('sys.group_avatar'))
  if (ch.joinPolicy !== undefined) lines.push(tr('sys.group_join_policy'))
  if (ch.muteAll !== undefined) lines.push(tr(ch.muteAll ? 'sys.mute_all_on' : 'sys.mute_all_off'))
  if (ch.announcement !== undefined)
    lines.push(ch.announcement ? tr('sys.announcement', { text: ch.announcement }) : tr('sys.announcement_cleared'))
  return lines.length ? lines.join('\n') : tr('sys.group_updated')
}

/** "1 member", "2 members" */
export function memberCountKey(count: number): MessageKey {
  return count === 1 ? 'groups.memberCountOne' : 'groups.memberCount'
}

/** Date and time, for a mute's end. */
export function formatDateTime(iso: string, locale: Locale): string {
  return new Date(iso).toLocaleString(locale, { month: 'short', day: 'numeric', hour: '2-digit', minute: '2-digit' })
}

export function formatTime(iso: string, locale: Locale): string {
  return new Date(iso).toLocaleTimeString(locale, { hour: '2-digit', minute: '2-digit' })
}

/** Time for the conversation list: time today, weekday this week, date otherwise. */
export function formatListTime(iso: string | null, locale: Locale, now = new Date()): string {
  if (!iso) return ''
  const d = new Date(iso)
  if (sameDay(d, now)) return formatTime(iso, locale)
  const days = (startOfDay(now) - startOfDay(d)) / 86_400_000
  if (days < 7) return d.toLocaleDateString(locale, { weekday: 'short' })
  return d.toLocaleDateString(locale, { month: 'short', day: 'numeric' })
}

/** Label of a day separator. */
export function formatDay(iso: string, locale: Locale, now = new Date()): string {
  const d = new Date(iso)
  const days = Math.round((startOfDay(now) - startOfDay(d)) / 86_400_000)
  if (days === 0) return translate(locale, 'day.today')
  if (days === 1) return translate(locale, 'day.yesterday')
  return d.toLocaleDateString(locale, {
    year: d.getFullYear() === now.getFullYear() ? undefined : 'numeric',
    month: 'long',
    day: 'numeric',
    weekday: 'short',
  })
}

export function sameDay(a: Date, b: Date): boolean {
  return a.getFullYear() === b.getFullYear() && a.getMonth() === b.getMonth() && a.getDate() === b.getDate()
}

function startOfDay(d: Date): number {
  return new Date(d.getFullYear(), d.getMonth(), d.getDate()).getTime()
}

/** Initials for an avatar without a picture: first letters of up to two words (or the first CJK character). */
export function initials(name: string): string {
  const clean = name.trim()
  if (!clean) return '?'
  const words = clean.split(/[\s._-]+/).filter(Boolean)
  const first = [...(words[0] ?? clean)][0] ?? '?'
  if (/[\u3400-\u9fff]/.test(first)) return first
  const second = words.length > 1 ? ([...words[1]!][0] ?? '') : ''
  return (first + second).toUpperCase()
}

/** A stable hue for a name, so each person keeps their colour. */
export function hueOf(key: string): number {
  let h = 0
  for (let i = 0; i < key.length; i++) h = (h * 31 + key.charCodeAt(i)) >>> 0
  return h % 360
}
