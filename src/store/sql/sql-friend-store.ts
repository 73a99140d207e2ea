import type { Kysely, Selectable, Transaction } from 'kysely'
import type { AcceptFacts, BlockFacts, NewRequestFacts } from '../../domain/friends/friend-rules.js'
import { pairKey, type Block, type FriendRequest, type FriendRequestStatus, type Friendship } from '../../domain/friends/friend.js'
import type { BlockOutcome, FriendStore, NewFriendRequest, PageQuery } from '../../domain/friends/friend-store.js'
import { isTransientDbError, type Capabilities } from './capabilities.js'
import type { Database, FriendRequestsTable } from './db-schema.js'

type Db = Kysely<Database> | Transaction<Database>

const MAX_ATTEMPTS = 3

function toRequest(row: Selectable<FriendRequestsTable>): FriendRequest {
  return {
    id: row.id,
    fromUserId: row.from_user_id,
    toUserId: row.to_user_id,
    note: row.note,
    greeting: row.greeting,
    status: row.status as FriendRequestStatus,
    createdAt: Number(row.created_at),
    updatedAt: Number(row.updated_at),
  }
}

export class SqlFriendStore implements FriendStore {
  readonly #db: Kysely<Database>
  readonly #caps: Capabilities

  constructor(db: Kysely<Database>, caps: Capabilities) {
    this.#db = db
    this.#caps = caps
  }

  async findRequest(id: string): Promise<FriendRequest | null> {
    const row = await this.#db.selectFrom('friend_requests').selectAll().where('id', '=', id).executeTakeFirst()
    return row ? toRequest(row) : null
  }

  async createRequest(
    input: NewFriendRequest,
    rule: (facts: NewRequestFacts) => void,
  ): Promise<{ request: FriendRequest; created: boolean }> {
    const { fromUserId, toUserId } = input
    return this.#transaction(async (trx) => {
      const states = await this.#lockPair(trx, fromUserId, toUserId)
      rule({
        recipientState: states.get(toUserId) ?? null,
        blocked: await isBlockedEitherWay(trx, fromUserId, toUserId),
        friends: await areFriends(trx, fromUserId, toUserId),
      })
      const key = pairKey(fromUserId, toUserId)
      const pending = await trx.selectFrom('friend_requests').selectAll().where('pending_key', '=', key).executeTakeFirst()
      if (pending) return { request: toRequest(pending), created: false }
      const row = {
        id: input.id,
        from_user_id: fromUserId,
        to_user_id: toUserId,
        pair_key: key,
        // the unique pending_key is the last line of defence for "one pending request per pair"
        pending_key: key,
        note: input.note,
        greeting: input.greeting,
        status: 'pending',
        created_at: input.createdAt,
        updated_at: input.createdAt,
      }
      await trx.insertInto('friend_requests').values(row).execute()
      return { request: toRequest(row), created: true }
    })
  }

  async acceptRequest(id: string, byUserId: string, now: number, rule: (facts: AcceptFacts) => void): Promise<FriendRequest> {
    return this.#transaction(async (trx) => {
      const found = await trx
        .selectFrom('friend_requests')
        .select(['from_user_id', 'to_user_id', 'status'])
        .where('id', '=', id)
        .executeTakeFirst()
      if (!found || found.to_user_id !== byUserId) {
        rule({ addressedToMe: false, senderState: null, blocked: false, pending: false })
        throw new Error(`the accept rule let an unknown request ${id} through`)
      }
      const { from_user_id: from, to_user_id: to } = found
      const states = await this.#lockPair(trx, from, to)
      const facts = {
        addressedToMe: true,
        senderState: states.get(from) ?? null,
        blocked: await isBlockedEitherWay(trx, from, to),
        pending: found.status === 'pending',
      }
      rule(facts)
      // the conditional update decides between concurrent answers: only one sees 'pending'
      const updated = await trx
        .updateTable('friend_requests')
        .set({ status: 'accepted', pending_key: null, updated_at: now })
        .where('id', '=', id)
        .where('status', '=', 'pending')
        .executeTakeFirst()
      if (Number(updated.numUpdatedRows) !== 1) {
        rule({ ...facts, pending: false })
        throw new Error(`the accept rule let the answered request ${id} through`)
      }
      await this.#insertFriendship(trx, from, to, now)
      const row = await trx.selectFrom('friend_requests').selectAll().where('id', '=', id).executeTakeFirstOrThrow()
      return toRequest(row)
    })
  }

  async closeRequest(id: string, status: 'rejected' | 'withdrawn', now: number): Promise<FriendRequest | null> {
    const updated = await this.#db
      .updateTable('friend_requests')
      .set({ status, pending_key: null, updated_at: now })
      .where('id', '=', id)
      .where('status', '=', 'pending')
      .executeTakeFirst()
    if (Number(updated.numUpdatedRows) !== 1) return null
    return this.findRequest(id)
  }

  async listRequests(query: PageQuery & { userId: string; box: 'incoming' | 'outgoing'; since: number }): Promise<FriendRequest[]> {
    const incoming = query.box === 'incoming'
    let q = this.#db
      .selectFrom('friend_requests as r')
      .innerJoin('users as u', 'u.id', incoming ? 'r.from_user_id' : 'r.to_user_id')
      .selectAll('r')
      .where(incoming ? 'r.to_user_id' : 'r.from_user_id', '=', query.userId)
      .where('u.state', '=', 'active')
      .where((eb) => eb.or([eb('r.status', '=', 'pending'), eb('r.updated_at', '>=', query.since)]))
    if (query.afterId) q = q.where('r.id', '<', query.afterId)
    const rows = await q.orderBy('r.id', 'desc').limit(query.limit).execute()
    return rows.map(toRequest)
  }

  async findFriendship(userId: string, friendId: string): Promise<Friendship | null> {
    const row = await this.#db
      .selectFrom('friendships')
      .selectAll()
      .where('user_id', '=', userId)
      .where('friend_id', '=', friendId)
      .executeTakeFirst()
    return row ? { userId: row.user_id, friendId: row.friend_id, remark: row.remark, createdAt: Number(row.created_at) } : null
  }

  async listFriends(query: PageQuery & { userId: string }): Promise<Friendship[]> {
    let q = this.#db
      .selectFrom('friendships as f')
      .innerJoin('users as u', 'u.id', 'f.friend_id')
      .selectAll('f')
      .where('f.user_id', '=', query.userId)
      .where('u.state', '=', 'active')
    if (query.afterId) q = q.where('f.friend_id', '>', query.afterId)
    const rows = await q.orderBy('f.friend_id').limit(query.limit).execute()
    return rows.map((row) => ({ userId: row.user_id, friendId: row.friend_id, remark: row.remark, createdAt: Number(row.created_at) }))
  }

  async setRemark(userId: string, friendId: string, remark: string): Promise<boolean> {
    const updated = await this.#db
      .updateTable('friendships')
      .set({ remark })
      .where('user_id', '=', userId)
      .where('friend_id', '=', friendId)
      .executeTakeFirst()
    // MySQL counts matched rows (mysql2 sets FOUND_ROWS), so an unchanged remark still counts
    return Number(updated.numUpdatedRows) > 0
  }

  async removeFriendship(userId: string, friendId: string): Promise<boolean> {
    // one statement deletes both rows, so no reader ever sees half a friendship
    const deleted = await deleteFriendship(this.#db, userId, friendId)
    return deleted > 0
  }

  async block(userId: string, blockedId: string, now: number, rule: (facts: BlockFacts) => void): Promise<BlockOutcome> {
    return this.#transaction(async (trx) => {
      const states = await this.#lockPair(trx, userId, blockedId)
      rule({ blockedState: states.get(blockedId) ?? null })
      const existing = await trx
        .selectFrom('blocks')
        .select('user_id')
        .where('user_id', '=', userId)
        .where('blocked_id', '=', blockedId)
        .executeTakeFirst()
      if (!existing) await trx.insertInto('blocks').values({ user_id: userId, blocked_id: blockedId, created_at: now }).execute()
      const endedFriendship = (await deleteFriendship(trx, userId, blockedId)) > 0
      let closedRequest: FriendRequest | null = null
      const pending = await trx
        .selectFrom('friend_requests')
        .selectAll()
        .where('pending_key', '=', pairKey(userId, blockedId))
        .executeTakeFirst()
      if (pending) {
        const status = pending.from_user_id === userId ? 'withdrawn' : 'rejected'
        await trx
          .updateTable('friend_requests')
          .set({ status, pending_key: null, updated_at: now })
          .where('id', '=', pending.id)
          .where('status', '=', 'pending')
          .execute()
        closedRequest = toRequest({ ...pending, status, pending_key: null, updated_at: now })
      }
      return { created: !existing, endedFriendship, closedRequest }
    })
  }

  async unblock(userId: string, blockedId: string): Promise<boolean> {
    const deleted = await this.#db.deleteFrom('blocks').where('user_id', '=', userId).where('blocked_id', '=', blockedId).executeTakeFirst()
    return Number(deleted.numDeletedRows) > 0
  }

  async listBlocks(query: PageQuery & { userId: string }): Promise<Block[]> {
    let q = this.#db
      .selectFrom('blocks as b')
      .innerJoin('users as u', 'u.id', 'b.blocked_id')
      .selectAll('b')
      .where('b.user_id', '=', query.userId)
      .where('u.state', '=', 'active')
    if (query.afterId) q = q.where('b.blocked_id', '>', query.afterId)
    const rows = await q.orderBy('b.blocked_id').limit(query.limit).execute()
    return rows.map((row) => ({ userId: row.user_id, blockedId: row.blocked_id, createdAt: Number(row.created_at) }))
  }

  areFriends(a: string, b: string): Promise<boolean> {
    return areFriends(this.#db, a, b)
  }

  isBlockedEitherWay(a: string, b: string): Promise<boolean> {
    return isBlockedEitherWay(this.#db, a, b)
  }

  async friendIds(userId: string): Promise<string[]> {
    const rows = await this.#db.selectFrom('friendships').select('friend_id').where('user_id', '=', userId).execute()
    return rows.map((r) => r.friend_id)
  }

  async blockedEitherWayIds(userId: string): Promise<string[]> {
    const [mine, theirs] = await Promise.all([
      this.#db.selectFrom('blocks').select('blocked_id as id').where('user_id', '=', userId).execute(),
      this.#db.selectFrom('blocks').select('user_id as id').where('blocked_id', '=', userId).execute(),
    ])
    return [...new Set([...mine, ...theirs].map((r) => r.id))]
  }

  /**
   * Locks both users' rows, in id order, for the rest of the transaction: every change to a
   * pair's relationship (request, accept, block) takes this lock first, so they serialize and
   * each sees what the previous one committed. SQLite has one writer already: no row locks.
   * Returns each found user's state.
   */
  async #lockPair(trx: Transaction<Database>, a: string, b: string): Promise<Map<string, string>> {
    const rows = await trx
      .selectFrom('users')
      .select(['id', 'state'])
      .where('id', 'in', [a, b])
      .orderBy('id')
      .$if(!this.#caps.singleWriter, (q) => q.forUpdate())
      .execute()
    return new Map(rows.map((r) => [r.id, r.state]))
  }

  async #insertFriendship(trx: Transaction<Database>, a: string, b: string, now: number): Promise<void> {
    const rows = [
      { user_id: a, friend_id: b, remark: '', created_at: now },
      { user_id: b, friend_id: a, remark: '', created_at: now },
    ]
    // under the pair lock no row can exist yet; ignoring conflicts keeps a stray row harmless
    const insert = trx.insertInto('friendships').values(rows)
    await (this.#caps.insertOrIgnore === 'insert_ignore' ? insert.ignore() : insert.onConflict((oc) => oc.doNothing())).execute()
  }

  /** Runs `fn` in one transaction, retrying a bounded number of times on deadlock or busy. */
  async #transaction<T>(fn: (trx: Transaction<Database>) => Promise<T>): Promise<T> {
    for (let attempt = 1; ; attempt++) {
      try {
        return await this.#db.transaction().execute(fn)
      } catch (err) {
        if (attempt >= MAX_ATTEMPTS || !isTransientDbError(err)) throw err
      }
    }
  }
}

async function areFriends(db: Db, a: string, b: string): Promise<boolean> {
  const row = await db.selectFrom('friendships').select('user_id').where('user_id', '=', a).where('friend_id', '=', b).executeTakeFirst()
  return row !== undefined
}

async function isBlockedEitherWay(db: Db, a: string, b: string): Promise<boolean> {
  const row = await db
    .selectFrom('blocks')
    .select('user_id')
    .where((eb) =>
      eb.or([eb.and([eb('user_id', '=', a), eb('blocked_id', '=', b)]), eb.and([eb('user_id', '=', b), eb('blocked_id', '=', a)])]),
    )
    .executeTakeFirst()
  return row !== undefined
}

async function deleteFriendship(db: Db, a: string, b: string): Promise<number> {
  const deleted = await db
    .deleteFrom('friendships')
    .where((eb) =>
      eb.or([eb.and([eb('user_id', '=', a), eb('friend_id', '=', b)]), eb.and([eb('user_id', '=', b), eb('friend_id', '=', a)])]),
    )
    .executeTakeFirst()
  return Number(deleted.numDeletedRows)
}
