import type { Kysely } from 'kysely'
import type { MentionStore } from '../../domain/messages/mention-store.js'
import type { Database } from './db-schema.js'

/** Conversations per counting query (each adds three parameters). */
const CHUNK = 200

export class SqlMentionStore implements MentionStore {
  readonly #db: Kysely<Database>

  constructor(db: Kysely<Database>) {
    this.#db = db
  }

  async unreadCounts(userId: string, ranges: ReadonlyArray<{ conversationId: string; afterSeq: number; maxSeq: number }>) {
    const counts = new Map<string, number>()
    const open = ranges.filter((r) => r.afterSeq < r.maxSeq)
    for (let i = 0; i < open.length; i += CHUNK) {
      const chunk = open.slice(i, i + CHUNK)
      const rows = await this.#db
        .selectFrom('message_mentions')
        .select(['conversation_id', (eb) => eb.fn.count<number>('seq').distinct().as('n')])
        .where((eb) => eb.or([eb('user_id', '=', userId), eb('user_id', '=', '*')]))
        .where('sender_id', '<>', userId)
        .where((eb) =>
          eb.or(
            chunk.map((r) => eb.and([eb('conversation_id', '=', r.conversationId), eb('seq', '>', r.afterSeq), eb('seq', '<=', r.maxSeq)])),
          ),
        )
        .groupBy('conversation_id')
        .execute()
      for (const r of rows) counts.set(r.conversation_id, Number(r.n))
    }
    return counts
  }
}
