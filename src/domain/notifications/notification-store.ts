import type { NotificationSettings } from './notification-settings.js'

/** A browser's push subscription (RFC 8030 endpoint + RFC 8291 keys), owned by one session. */
export interface PushSubscription {
  id: string
  userId: string
  sessionId: string
  endpoint: string
  /** the browser's P-256 public key, base64url */
  p256dh: string
  /** the 16-byte auth secret, base64url */
  auth: string
  createdAt: number
}

/** A recipient of a new message worth considering for a push: a current member with a device. */
export interface PushCandidate {
  userId: string
  muted: boolean
  readSeq: number
  /** the user's setting: a mention of them notifies even in a muted chat and during quiet hours */
  mentionAlertMuted: boolean
}

/** A user due an e-mail digest and what they left unread. */
export interface DigestCandidate {
  userId: string
  email: string
  /** when the last digest went out (the claim compares it) */
  sentAt: number | null
  unread: Array<{ conversationId: string; kind: 'direct' | 'group'; title: string; count: number }>
}

/** Persistence of push subscriptions, notification settings and shown pushes. */
export interface NotificationStore {
  /** Adds or takes over (same endpoint: new owner and keys); keeps at most `maxPerUser`, dropping the oldest. */
  saveSubscription(sub: PushSubscription, maxPerUser: number): Promise<void>
  deleteSubscription(userId: string, id: string): Promise<boolean>
  deleteSubscriptionById(id: string): Promise<void>
  deleteSubscriptionsOfSessions(sessionIds: readonly string[]): Promise<void>
  deleteSubscriptionsOfUser(userId: string): Promise<void>
  /** The user's subscriptions whose session is still live at `now` (revoked or expired ones are never used). */
  liveSubscriptions(userId: string, now: number): Promise<PushSubscription[]>
  /** Whether anybody has a subscription (cheap gate on the send path: none, no push work per message). */
  anySubscriptions(): Promise<boolean>
  /** Whether the user has any subscription (cheap gate on the read path). */
  hasSubscriptions(userId: string): Promise<boolean>
  /** Current members of a conversation except `exceptUserId` who have at least one subscription. */
  pushCandidates(conversationId: string, exceptUserId: string | null): Promise<PushCandidate[]>
  /** A conversation's kind and (groups) name; null when unknown. */
  conversationFacts(conversationId: string): Promise<{ kind: string; groupName: string | null } | null>
  /** How a user is shown to others: nickname, else username. */
  displayName(userId: string): Promise<string>
  /** The member's read position, or null if no longer a current member. */
  memberReadSeq(conversationId: string, userId: string): Promise<number | null>

  settings(userId: string): Promise<NotificationSettings>
  saveSettings(userId: string, settings: NotificationSettings, now: number): Promise<void>

  /** Remembers that a push for `seq` is showing in this chat. */
  markShown(userId: string, conversationId: string, seq: number): Promise<void>
  /** Forgets shown pushes up to `readSeq`; true when there was one (its notification should close). */
  clearShown(userId: string, conversationId: string, readSeq: number): Promise<boolean>

  /** Opted-in users with a verified e-mail whose last digest is older than `sentBefore`, and with
   * messages unread since before `unreadBefore` that arrived after their last digest. */
  digestCandidates(q: { sentBefore: number; unreadBefore: number; limit: number }): Promise<DigestCandidate[]>
  /** Claims the user's digest slot (one instance wins); false when another took it. */
  claimDigest(userId: string, previousSentAt: number | null, now: number): Promise<boolean>

  /** The stored value, or `value` stored now if none was: every instance ends with the same. */
  settingOnce(key: string, value: string, now: number): Promise<string>
}
