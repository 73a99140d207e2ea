import { sql, type Kysely } from 'kysely'
import type { Capabilities } from './capabilities.js'
import { isUniqueViolation } from './capabilities.js'
import type { Database } from './db-schema.js'
import { hash } from 'node:crypto'
import { DEFAULT_SETTINGS, type NotificationSettings } from '../../domain/notifications/notification-settings.js'
import type { DigestCandidate, NotificationStore, PushCandidate, PushSubscription } from '../../domain/notifications/notification-store.js'

/** Conversations with more unread than this are listed in a digest without looking further. */
const DIGEST_CONVERSATIONS_MAX = 20

export class SqlNotificationStore implements NotificationStore {
  readonly #db: Kysely<Database>
  readonly #caps: Capabilities

  constructor(db: Kysely<Database>, caps: Capabilities) {
    this.#db = db
    this.#caps = caps
  }

  async saveSubscription(s: PushSubscription, maxPerUser: number): Promise<void> {
    const endpointSha = hash('sha256', s.endpoint, 'hex')
    const row = {
      id: s.id,
      user_id: s.userId,
      session_id: s.sessionId,
      endpoint_sha256: endpointSha,
      endpoint: s.endpoint,
      p256dh: s.p256dh,
      auth: s.auth,
      created_at: s.createdAt,
    }
    await this.#db.transaction().execute(async (tx) => {
      // a browser re-subscribing (or another account signing in on it) takes the endpoint over
      await tx.deleteFrom('push_subscriptions').where('endpoint_sha256', '=', endpointSha).execute()
      await tx.insertInto('push_subscriptions').values(row).execute()
      const extra = await tx
        .selectFrom('push_subscriptions')
        .select('id')
        .where('user_id', '=', s.userId)
        .orderBy('created_at', 'desc')
        .orderBy('id', 'desc')
        .offset(maxPerUser)
        .limit(1000)
        .execute()
      if (extra.length > 0)
        await tx
          .deleteFrom('push_subscriptions')
          .where(
            'id',
            'in',
            extra.map((e) => e.id),
          )
          .execute()
    })
  }

  async deleteSubscription(userId: string, id: string): Promise<boolean> {
    const r = await this.#db.deleteFrom('push_subscriptions').where('id', '=', id).where('user_id', '=', userId).executeTakeFirst()
    return Number(r.numDeletedRows) > 0
  }

  async deleteSubscriptionById(id: string): Promise<void> {
    await this.#db.deleteFrom('push_subscriptions').where('id', '=', id).execute()
  }

  async deleteSubscriptionsOfSessions(sessionIds: readonly string[]): Promise<void> {
    if (sessionIds.length === 0) return
    await this.#db
      .deleteFrom('push_subscriptions')
      .where('session_id', 'in', [...sessionIds])
      .execute()
  }

  async deleteSubscriptionsOfUser(userId: string): Promise<void> {
    await this.#db.deleteFrom('push_subscriptions').where('user_id', '=', userId).execute()
  }

  async liveSubscriptions(userId: string, now: number): Promise<PushSubscription[]> {
    const rows = await this.#db
      .selectFrom('push_subscriptions as p')
      .innerJoin('sessions as s', 's.id', 'p.session_id')
      .select(['p.id', 'p.user_id', 'p.session_id', 'p.endpoint', 'p.p256dh', 'p.auth', 'p.created_at'])
      .where('p.user_id', '=', userId)
      .where('s.revoked_at', 'is', null)
      .where('s.expires_at', '>', now)
      .orderBy('p.id')
      .execute()
    return rows.map((r) => ({
      id: r.id,
      userId: r.user_id,
      sessionId: r.session_id,
      endpoint: r.endpoint,
      p256dh: r.p256dh,
      auth: r.auth,
      createdAt: Number(r.created_at),
    }))
  }

  async anySubscriptions(): Promise<boolean> {
    const row = await this.#db.selectFrom('push_subscriptions').select('id').limit(1).executeTakeFirst()
    return row !== undefined
  }

  async hasSubscriptions(userId: string): Promise<boolean> {
    const row = await this.#db.selectFrom('push_subscriptions').select('id').where('user_id', '=', userId).limit(1).executeTakeFirst()
    return row !== undefined
  }

  async pushCandidates(conversationId: string, exceptUserId: string | null): Promise<PushCandidate[]> {
    let q = this.#db
      .selectFrom('conversation_members as m')
      .innerJoin('users as u', 'u.id', 'm.user_id')
      .select(['m.user_id', 'm.muted', 'm.read_seq', 'u.mention_alert_muted'])
      .where('m.conversation_id', '=', conversationId)
      .where('m.left_seq', 'is', null)
      .where((eb) => eb.exists(eb.selectFrom('push_subscriptions as p').select('p.id').whereRef('p.user_id', '=', 'm.user_id')))
    if (exceptUserId) q = q.where('m.user_id', '<>', exceptUserId)
    const rows = await q.execute()
    return rows.map((r) => ({
      userId: r.user_id,
      muted: Number(r.muted) === 1,
      readSeq: Number(r.read_seq),
      mentionAlertMuted: Number(r.mention_alert_muted ?? 1) === 1,
    }))
  }

  async conversationFacts(conversationId: string): Promise<{ kind: string; groupName: string | null } | null> {
    const row = await this.#db
      .selectFrom('conversations as c')
      .leftJoin('groups as g', 'g.id', 'c.group_id')
      .select(['c.kind', 'g.name'])
      .where('c.id', '=', conversationId)
      .executeTakeFirst()
    return row ? { kind: row.kind, groupName: row.name ?? null } : null
  }

  async displayName(userId: string): Promise<string> {
    const row = await this.#db.selectFrom('users').select(['nickname', 'username']).where('id', '=', userId).executeTakeFirst()
    return row ? row.nickname || row.username : ''
  }

  async memberReadSeq(conversationId: string, userId: string): Promise<number | null> {
    const row = await this.#db
      .selectFrom('conversation_members')
      .select('read_seq')
      .where('conversation_id', '=', conversationId)
      .where('user_id', '=', userId)
      .where('left_seq', 'is', null)
      .executeTakeFirst()
    return row ? Number(row.read_seq) : null
  }

  async settings(userId: string): Promise<NotificationSettings> {
    const r = await this.#db.selectFrom('notification_settings').selectAll().where('user_id', '=', userId).executeTakeFirst()
    if (!r) return { ...DEFAULT_SETTINGS }
    return {
      previews: Number(r.previews) === 1,
      quietStart: r.quiet_start === null ? null : Number(r.quiet_start),
      quietEnd: r.quiet_end === null ? null : Number(r.quiet_end),
      timeZone: r.time_zone,
      emailDigest: Number(r.email_digest) === 1,
    }
  }

  async saveSettings(userId: string, s: NotificationSettings, now: number): Promise<void> {
    const values = {
      previews: s.previews ? 1 : 0,
      quiet_start: s.quietStart,
      quiet_end: s.quietEnd,
      time_zone: s.timeZone,
      email_digest: s.emailDigest ? 1 : 0,
      updated_at: now,
    }
    const updated = await this.#db.updateTable('notification_settings').set(values).where('user_id', '=', userId).executeTakeFirst()
    if (Number(updated.numUpdatedRows) > 0) return
    try {
      await this.#db
        .insertInto('notification_settings')
        .values({ user_id: userId, digest_sent_at: null, ...values })
        .execute()
    } catch (err) {
      if (!isUniqueViolation(err)) throw err
      await this.#db.updateTable('notification_settings').set(values).where('user_id', '=', userId).execute()
    }
  }

  async markShown(userId: string, conversationId: string, seq: number): Promise<void> {
    const updated = await this.#db
      .updateTable('push_shown')
      .set({ seq })
      .where('user_id', '=', userId)
      .where('conversation_id', '=', conversationId)
      .where('seq', '<', seq)
      .executeTakeFirst()
    if (Number(updated.numUpdatedRows) > 0) return
    const insert = this.#db.insertInto('push_shown').values({ user_id: userId, conversation_id: conversationId, seq })
    await (this.#caps.insertOrIgnore === 'insert_ignore' ? insert.ignore() : insert.onConflict((oc) => oc.doNothing())).execute()
  }

  async clearShown(userId: string, conversationId: string, readSeq: number): Promise<boolean> {
    const r = await this.#db
      .deleteFrom('push_shown')
      .where('user_id', '=', userId)
      .where('conversation_id', '=', conversationId)
      .where('seq', '<=', readSeq)
      .executeTakeFirst()
    return Number(r.numDeletedRows) > 0
  }

  async digestCandidates(q: { sentBefore: number; unreadBefore: number; limit: number }): Promise<DigestCandidate[]> {
    const users = await this.#db
      .selectFrom('notification_settings as n')
      .innerJoin('users as u', 'u.id', 'n.user_id')
      .select(['u.id', 'u.email', 'n.digest_sent_at'])
      .where('n.email_digest', '=', 1)
      .where('u.state', '=', 'active')
      .where('u.email', 'is not', null)
      .where('u.email_verified_at', 'is not', null)
      .where((eb) => eb.or([eb('n.digest_sent_at', 'is', null), eb('n.digest_sent_at', '<', q.sentBefore)]))
      .orderBy('u.id')
      .limit(q.limit)
      .execute()
    const out: DigestCandidate[] = []
    for (const u of users) {
      const since = u.digest_sent_at === null ? 0 : Number(u.digest_sent_at)
      const unread = await this.#unreadFor(u.id, since, q.unreadBefore)
      if (unread.length > 0)
        out.push({ userId: u.id, email: u.email!, sentAt: u.digest_sent_at === null ? null : Number(u.digest_sent_at), unread })
    }
    return out
  }

  /** Unmuted direct and group chats with an unread message that arrived in (since, before]. */
  async #unreadFor(userId: string, since: number, before: number): Promise<DigestCandidate['unread']> {
    const firstUnread = sql<number>`(CASE WHEN m.read_seq > m.cleared_seq THEN m.read_seq ELSE m.cleared_seq END) + 1`
    const rows = await this.#db
      .selectFrom('conversation_members as m')
      .innerJoin('conversations as c', 'c.id', 'm.conversation_id')
      .leftJoin('groups as g', 'g.id', 'c.group_id')
      .select(['c.id', 'c.kind', 'c.last_seq', 'm.read_seq', 'm.cleared_seq', 'g.name as group_name', 'c.pair_key'])
      .where('m.user_id', '=', userId)
      .where('m.left_seq', 'is', null)
      .where('m.muted', '=', 0)
      .where('c.kind', 'in', ['direct', 'group'])
      .whereRef('c.last_seq', '>=', firstUnread)
      .where((eb) =>
        eb.exists(
          eb
            .selectFrom('messages as msg')
            .select('msg.seq')
            .whereRef('msg.conversation_id', '=', 'm.conversation_id')
            .where('msg.seq', '>=', firstUnread)
            .where('msg.created_at', '>', since)
            .where('msg.created_at', '<=', before),
        ),
      )
      .orderBy('c.last_message_at', 'desc')
      .limit(DIGEST_CONVERSATIONS_MAX)
      .execute()
    const peers = rows.filter((r) => r.kind === 'direct').map((r) => r.pair_key!.split(':').find((id) => id !== userId)!)
    const names = new Map<string, string>()
    if (peers.length > 0) {
      const users = await this.#db.selectFrom('users').select(['id', 'nickname', 'username']).where('id', 'in', peers).execute()
      for (const p of users) names.set(p.id, p.nickname || p.username)
    }
    return rows.map((r) => ({
      conversationId: r.id,
      kind: r.kind as 'direct' | 'group',
      title: r.kind === 'group' ? (r.group_name ?? '') : (names.get(r.pair_key!.split(':').find((id) => id !== userId)!) ?? ''),
      count: Number(r.last_seq) - Math.max(Number(r.read_seq), Number(r.cleared_seq)),
    }))
  }

  async claimDigest(userId: string, previousSentAt: number | null, now: number): Promise<boolean> {
    const r = await this.#db
      .updateTable('notification_settings')
      .set({ digest_sent_at: now })
      .where('user_id', '=', userId)
      .where((eb) => (previousSentAt === null ? eb('digest_sent_at', 'is', null) : eb('digest_sent_at', '=', previousSentAt)))
      .executeTakeFirst()
    return Number(r.numUpdatedRows) > 0
  }

  async settingOnce(key: string, value: string, now: number): Promise<string> {
    const insert = this.#db.insertInto('settings').values({ key, value, updated_at: now })
    await (this.#caps.insertOrIgnore === 'insert_ignore' ? insert.ignore() : insert.onConflict((oc) => oc.doNothing())).execute()
    const row = await this.#db.selectFrom('settings').select('value').where('key', '=', key).executeTakeFirstOrThrow()
    return row.value
  }
}
