import type { Kysely, Selectable } from 'kysely'
import type { Call, CallEndReason, CallMedia, CallParticipant, CallParticipantState, CallState } from '../../domain/calls/call.js'
import type { CallStore, EndedCall, NewCall } from '../../domain/calls/call-store.js'
import { newId } from '../../shared/ids.js'
import { isUniqueViolation, type Capabilities } from './capabilities.js'
import type { CallParticipantsTable, CallsTable, Database } from './db-schema.js'
import { appendInTx, withTransaction } from './message-appender.js'

export class SqlCallStore implements CallStore {
  readonly #db: Kysely<Database>
  readonly #caps: Capabilities

  constructor(db: Kysely<Database>, caps: Capabilities) {
    this.#db = db
    this.#caps = caps
  }

  async create(c: NewCall): Promise<{ kind: 'created'; call: Call } | { kind: 'running'; callId: string }> {
    try {
      await withTransaction(this.#db, async (trx) => {
        await trx
          .insertInto('calls')
          .values({
            id: c.id,
            conversation_id: c.conversationId,
            live_conversation_id: c.conversationId,
            kind: c.kind,
            media: c.media,
            state: 'ringing',
            initiator_id: c.initiatorId,
            created_at: c.now,
            answered_at: null,
            ended_at: null,
            end_reason: null,
          })
          .execute()
        const base = { call_id: c.id, muted: 0, camera_off: 0, left_at: null, last_seen: c.now }
        await trx
          .insertInto('call_participants')
          .values([
            { ...base, user_id: c.initiatorId, state: 'joined', connection_id: c.connectionId, joined_at: c.now },
            ...c.inviteeIds.map((userId) => ({ ...base, user_id: userId, state: 'invited', connection_id: null, joined_at: null })),
          ])
          .execute()
      })
    } catch (err) {
      if (!isUniqueViolation(err)) throw err
      const running = await this.runningIn(c.conversationId)
      if (running) return { kind: 'running', callId: running.id }
      throw err
    }
    return { kind: 'created', call: (await this.find(c.id))! }
  }

  async find(callId: string): Promise<Call | null> {
    const row = await this.#db.selectFrom('calls').selectAll().where('id', '=', callId).executeTakeFirst()
    if (!row) return null
    const parts = await this.#db.selectFrom('call_participants').selectAll().where('call_id', '=', callId).execute()
    return toCall(row, parts)
  }

  async runningIn(conversationId: string): Promise<Call | null> {
    const row = await this.#db.selectFrom('calls').select('id').where('live_conversation_id', '=', conversationId).executeTakeFirst()
    return row ? this.find(row.id) : null
  }

  async isInCall(userId: string, exceptCallId?: string): Promise<boolean> {
    let q = this.#db
      .selectFrom('call_participants as p')
      .innerJoin('calls as c', 'c.id', 'p.call_id')
      .select('p.call_id')
      .where('p.user_id', '=', userId)
      .where('p.state', '=', 'joined')
      .where('c.state', '!=', 'ended')
    if (exceptCallId) q = q.where('p.call_id', '!=', exceptCallId)
    return (await q.limit(1).executeTakeFirst()) !== undefined
  }

  async join(q: { callId: string; userId: string; connectionId: string; group: boolean; now: number }): Promise<boolean> {
    const joined = {
      state: 'joined',
      connection_id: q.connectionId,
      joined_at: q.now,
      left_at: null,
      last_seen: q.now,
      muted: 0,
      camera_off: 0,
    }
    const from = q.group ? ['invited', 'left', 'declined'] : ['invited']
    const updated = await this.#db
      .updateTable('call_participants')
      .set(joined)
      .where('call_id', '=', q.callId)
      .where('user_id', '=', q.userId)
      .where('state', 'in', from)
      .executeTakeFirst()
    let ok = Number(updated.numUpdatedRows) > 0
    if (!ok && q.group) {
      try {
        await this.#db
          .insertInto('call_participants')
          .values({ call_id: q.callId, user_id: q.userId, ...joined })
          .execute()
        ok = true
      } catch (err) {
        if (!isUniqueViolation(err)) throw err
      }
    }
    if (ok) {
      await this.#db
        .updateTable('calls')
        .set({ state: 'active', answered_at: q.now })
        .where('id', '=', q.callId)
        .where('state', '=', 'ringing')
        .execute()
    }
    return ok
  }

  async decline(q: { callId: string; userId: string; group: boolean; now: number }): Promise<boolean> {
    const updated = await this.#db
      .updateTable('call_participants')
      .set({ state: 'declined', left_at: q.now })
      .where('call_id', '=', q.callId)
      .where('user_id', '=', q.userId)
      .where('state', '=', 'invited')
      .executeTakeFirst()
    if (Number(updated.numUpdatedRows) > 0) return true
    if (!q.group) return false
    try {
      await this.#db
        .insertInto('call_participants')
        .values({
          call_id: q.callId,
          user_id: q.userId,
          state: 'declined',
          connection_id: null,
          muted: 0,
          camera_off: 0,
          joined_at: null,
          left_at: q.now,
          last_seen: q.now,
        })
        .execute()
      return true
    } catch (err) {
      if (isUniqueViolation(err)) return false
      throw err
    }
  }

  async leave(q: { callId: string; userId: string; connectionId: string | null; now: number }): Promise<boolean> {
    let update = this.#db
      .updateTable('call_participants')
      .set({ state: 'left', left_at: q.now })
      .where('call_id', '=', q.callId)
      .where('user_id', '=', q.userId)
      .where('state', '=', 'joined')
    if (q.connectionId !== null) update = update.where('connection_id', '=', q.connectionId)
    return Number((await update.executeTakeFirst()).numUpdatedRows) > 0
  }

  async setMedia(q: { callId: string; userId: string; connectionId: string; muted: boolean; cameraOff: boolean }): Promise<boolean> {
    await this.#db
      .updateTable('call_participants')
      .set({ muted: q.muted ? 1 : 0, camera_off: q.cameraOff ? 1 : 0 })
      .where('call_id', '=', q.callId)
      .where('user_id', '=', q.userId)
      .where('state', '=', 'joined')
      .where('connection_id', '=', q.connectionId)
      .execute()
    // MySQL counts only changed rows: whether the row is there is read back rather than counted
    const row = await this.#db
      .selectFrom('call_participants')
      .select('user_id')
      .where('call_id', '=', q.callId)
      .where('user_id', '=', q.userId)
      .where('state', '=', 'joined')
      .where('connection_id', '=', q.connectionId)
      .executeTakeFirst()
    return row !== undefined
  }

  async end(q: { callId: string; reason: CallEndReason; now: number; content: Record<string, unknown> }): Promise<EndedCall | null> {
    return withTransaction(this.#db, async (trx) => {
      const row = await trx.selectFrom('calls').select(['conversation_id']).where('id', '=', q.callId).executeTakeFirst()
      if (!row) return null
      const ended = await trx
        .updateTable('calls')
        .set({ state: 'ended', live_conversation_id: null, ended_at: q.now, end_reason: q.reason })
        .where('id', '=', q.callId)
        .where('state', '!=', 'ended')
        .executeTakeFirst()
      if (Number(ended.numUpdatedRows) === 0) return null
      await trx
        .updateTable('call_participants')
        .set({ state: 'left', left_at: q.now })
        .where('call_id', '=', q.callId)
        .where('state', '=', 'joined')
        .execute()
      const message = await appendInTx(trx, this.#caps, {
        conversationId: row.conversation_id,
        senderId: null,
        clientMsgId: newId(),
        type: 'system',
        content: { event: 'call', ...q.content },
        now: q.now,
      })
      const conv = await trx
        .selectFrom('conversations')
        .select('membership_version')
        .where('id', '=', row.conversation_id)
        .executeTakeFirstOrThrow()
      const callRow = await trx.selectFrom('calls').selectAll().where('id', '=', q.callId).executeTakeFirstOrThrow()
      const parts = await trx.selectFrom('call_participants').selectAll().where('call_id', '=', q.callId).execute()
      return { call: toCall(callRow, parts), message, membershipVersion: Number(conv.membership_version) }
    })
  }

  async touch(connectionIds: readonly string[], now: number): Promise<void> {
    if (connectionIds.length === 0) return
    await this.#db
      .updateTable('call_participants')
      .set({ last_seen: now })
      .where('state', '=', 'joined')
      .where('connection_id', 'in', connectionIds)
      .execute()
  }

  async stale(before: number): Promise<Array<{ callId: string; userId: string }>> {
    const silent = await this.#db
      .selectFrom('call_participants')
      .select(['call_id', 'user_id'])
      .where('state', '=', 'joined')
      .where('last_seen', '<', before)
      .limit(500)
      .execute()
    // a removed member (or one who left the group) is dropped from its running call
    const departed = await this.#db
      .selectFrom('call_participants as p')
      .innerJoin('calls as c', 'c.id', 'p.call_id')
      .innerJoin('conversation_members as m', (j) =>
        j.onRef('m.conversation_id', '=', 'c.conversation_id').onRef('m.user_id', '=', 'p.user_id'),
      )
      .select(['p.call_id', 'p.user_id'])
      .where('p.state', '=', 'joined')
      .where('c.state', '!=', 'ended')
      .where('m.left_seq', 'is not', null)
      .limit(500)
      .execute()
    return [...silent, ...departed].map((r) => ({ callId: r.call_id, userId: r.user_id }))
  }

  async ringingSince(before: number): Promise<string[]> {
    const rows = await this.#db
      .selectFrom('calls')
      .select('id')
      .where('state', '=', 'ringing')
      .where('created_at', '<', before)
      .limit(500)
      .execute()
    return rows.map((r) => r.id)
  }
}

function toCall(row: Selectable<CallsTable>, parts: ReadonlyArray<Selectable<CallParticipantsTable>>): Call {
  const participants: CallParticipant[] = parts
    .map((p) => ({
      userId: p.user_id,
      state: p.state as CallParticipantState,
      connectionId: p.state === 'joined' ? p.connection_id : null,
      muted: Number(p.muted) === 1,
      cameraOff: Number(p.camera_off) === 1,
      joinedAt: p.joined_at == null ? null : Number(p.joined_at),
      leftAt: p.left_at == null ? null : Number(p.left_at),
    }))
    // the initiator first, then by when each joined: a stable order for tiles
    .sort((a, b) =>
      a.userId === row.initiator_id ? -1 : b.userId === row.initiator_id ? 1 : (a.joinedAt ?? Infinity) - (b.joinedAt ?? Infinity),
    )
  return {
    id: row.id,
    conversationId: row.conversation_id,
    kind: row.kind as 'direct' | 'group',
    media: row.media as CallMedia,
    state: row.state as CallState,
    initiatorId: row.initiator_id,
    createdAt: Number(row.created_at),
    answeredAt: row.answered_at == null ? null : Number(row.answered_at),
    endedAt: row.ended_at == null ? null : Number(row.ended_at),
    endReason: row.end_reason as CallEndReason | null,
    participants,
  }
}
