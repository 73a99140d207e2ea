import type { Logger } from 'pino'
import type { Route, UserEvent } from '../domain/events.js'
import type { Message } from '@jim/protocol'
import type { Message as StoredMessage } from '../domain/messages/message.js'
import { messageView } from '../domain/messages/message-view.js'
import type { MemberRange, MemberRanges, MemberRangesCache } from '../domain/conversations/member-ranges-cache.js'
import type { Store } from '../domain/store.js'
import type { Connection } from './connection.js'
import type { Hub } from './hub.js'

type ConversationRoute = Extract<Route, { conversationId: string }>

/** Beyond this many missing messages a socket is told `resync_required` instead of a gap fill. */
const MAX_GAP_FILL = 200

/** Conversations whose covered seq this instance remembers (the oldest is forgotten first). */
const MAX_COVERED = 50_000

/** Messages read from the store below a live one: everything in (after, seq) this instance never pushed. */
interface StoredBelow {
  after: number
  items: StoredMessage[]
}

const NOTHING_BELOW: StoredBelow = { after: Number.POSITIVE_INFINITY, items: [] }

/** The seq of the message an event carries (`message.updated`, `message.recalled`...), if any. */
function seqCarriedBy(event: UserEvent): number | null {
  const carried = (event as { message?: { seq?: unknown } }).message
  return carried && typeof carried.seq === 'number' ? carried.seq : null
}

/**
 * The visible-range rule of history, at push time. A new message goes to whoever may read its
 * seq (a removed member gets their own removal notice, nothing after it). Anything else goes
 * to current members only, and if it is about a message (an edit, a recall), only to those
 * who joined at or before that message: a late joiner learns nothing of what came before.
 */
function isVisible(range: MemberRange, seq: number | null, isNewMessage: boolean): boolean {
  if (isNewMessage) return range.joinSeq <= seq! && (range.leftSeq === null || seq! <= range.leftSeq)
  return range.leftSeq === null && (seq === null || range.joinSeq <= seq)
}

/**
 * Pushes conversation-routed events to this instance's sockets.
 *
 * - Authorizes every push per recipient from a member cache keyed by `membershipVersion`: an
 *   event with a newer version refetches the member ranges once; otherwise no database call.
 *   A message goes to a user only if its seq is within their [joinSeq, leftSeq] range, so a
 *   removed member gets their own removal notice and nothing after it.
 * - Keeps per-conversation order: events (and resumes) of one conversation run one after another.
 * - Pushes each conversation's messages in seq order to every socket, fresh ones included, although
 *   pub/sub gives no order between instances (seq 3 published here may overtake seq 2 routed from
 *   another instance): see #storedBelow.
 */
export class ConversationFanout {
  readonly #hub: Hub
  readonly #store: Store
  readonly #logger: Logger
  readonly #members: MemberRangesCache
  readonly #chains = new Map<string, Promise<void>>()
  /**
   * Per conversation, the highest seq this instance has handled: every seq up to it was pushed
   * live or read from the store before a higher one, so a lower one arriving later is a duplicate.
   */
  readonly #covered = new Map<string, number>()
  #pushed: (n: number) => void

  constructor(deps: { hub: Hub; store: Store; members: MemberRangesCache; logger: Logger; onPushed: (n: number) => void }) {
    this.#hub = deps.hub
    this.#members = deps.members
    this.#store = deps.store
    this.#logger = deps.logger
    this.#pushed = deps.onPushed
  }

  deliver(route: ConversationRoute, event: UserEvent, exceptSessionId?: string): void {
    void this.runInOrder(route.conversationId, () => this.#deliver(route, event, exceptSessionId))
  }

  /** Runs `work` after every earlier event of the conversation has been pushed. */
  runInOrder(conversationId: string, work: () => Promise<void>): Promise<void> {
    const previous = this.#chains.get(conversationId) ?? Promise.resolve()
    const next = previous.then(work).catch((err: unknown) => this.#logger.error({ err, conversationId }, 'conversation fan-out failed'))
    this.#chains.set(conversationId, next)
    void next.then(() => {
      if (this.#chains.get(conversationId) === next) this.#chains.delete(conversationId)
    })
    return next
  }

  /** Records that a socket has been sent everything of a conversation up to `seq` (after resume). */
  markDelivered(conn: Connection, conversationId: string, seq: number): void {
    const known = conn.lastSeq.get(conversationId)
    if (known === undefined || seq > known) conn.lastSeq.set(conversationId, seq)
    // the replay covered everything below: resume has nothing left to skip
    conn.firstSeq.delete(conversationId)
  }

  /** Whether a message was pushed live to `conn` (resume skips those). */
  static wasPushedLive(conn: Connection, conversationId: string, seq: number): boolean {
    const first = conn.firstSeq.get(conversationId)
    const last = conn.lastSeq.get(conversationId)
    return first !== undefined && last !== undefined && seq >= first && seq <= last
  }

  async #deliver(route: ConversationRoute, event: UserEvent, exceptSessionId?: string): Promise<void> {
    const members = await this.#members.at(route.conversationId, route.membershipVersion)
    if (event.type === 'message.created') return this.#deliverMessage(members, event, exceptSessionId)
    const aboutSeq = seqCarriedBy(event)
    // serialized and encoded once: every recipient's socket writes the same bytes
    const data = Buffer.from(JSON.stringify(event))
    let pushed = 0
    for (const [userId, range] of this.#localMembers(members)) {
      if (!isVisible(range, aboutSeq, false)) continue
      for (const conn of this.#hub.socketsOf(userId)) {
        if (conn.sessionId === exceptSessionId) continue
        conn.sendRaw(data)
        pushed++
      }
    }
    if (pushed > 0) this.#pushed(pushed)
  }

  async #deliverMessage(
    members: MemberRanges,
    event: Extract<UserEvent, { type: 'message.created' }>,
    exceptSessionId?: string,
  ): Promise<void> {
    const { message } = event
    const covered = this.#covered.get(message.conversationId)
    if (covered !== undefined && message.seq <= covered) return
    const below =
      covered === undefined || message.seq > covered + 1
        ? await this.#storedBelow(members, message, covered, exceptSessionId)
        : NOTHING_BELOW
    this.#cover(message.conversationId, message.seq)
    const data = Buffer.from(JSON.stringify(event))
    let pushed = 0
    for (const [userId, range] of this.#localMembers(members)) {
      if (!isVisible(range, message.seq, true)) continue
      for (const conn of this.#hub.socketsOf(userId)) {
        if (conn.sessionId === exceptSessionId) continue
        // no promise per recipient: only a socket with a gap beyond `below` waits for the database
        const sent = this.#pushMessage(conn, message, data, range, below)
        pushed += typeof sent === 'number' ? sent : await sent
      }
    }
    if (pushed > 0) this.#pushed(pushed)
  }

  #cover(conversationId: string, seq: number): void {
    if (this.#covered.size >= MAX_COVERED && !this.#covered.has(conversationId)) {
      this.#covered.delete(this.#covered.keys().next().value!)
    }
    this.#covered.set(conversationId, seq)
  }

  /**
   * Below a live message that does not follow the last one handled here, the seqs in between may
   * still be in flight from another instance, or were never routed here. Seqs are committed in
   * order, so the store already holds them all: one read serves every socket here that may be owed
   * some (a fresh socket: what was stored after it connected; a socket behind: what follows its
   * last), and they go out before the live one. Nothing is read when no socket could be owed any.
   */
  async #storedBelow(members: MemberRanges, message: Message, covered: number | undefined, exceptSessionId?: string): Promise<StoredBelow> {
    const after = Math.max(covered ?? 0, message.seq - 1 - MAX_GAP_FILL)
    if (after >= message.seq - 1 || !this.#anySocketOwedBelow(members, message, exceptSessionId)) return NOTHING_BELOW
    const { items } = await this.#store.messages.history(message.conversationId, {
      after,
      limit: message.seq - 1 - after,
      minSeq: 0,
      maxSeq: message.seq - 1,
    })
    return { after, items }
  }

  #anySocketOwedBelow(members: MemberRanges, message: Message, exceptSessionId?: string): boolean {
    for (const [userId, range] of this.#localMembers(members)) {
      if (!isVisible(range, message.seq, true)) continue
      for (const conn of this.#hub.socketsOf(userId)) {
        if (conn.sessionId === exceptSessionId) continue
        const last = conn.lastSeq.get(message.conversationId)
        if (last === undefined || last < message.seq - 1) return true
      }
    }
    return false
  }

  /** Iterates whichever is smaller: the members, or the users with sockets here. */
  *#localMembers(members: MemberRanges): Iterable<[string, MemberRange]> {
    if (members.ranges.size <= this.#hub.userCount) {
      for (const entry of members.ranges) if (this.#hub.countOf(entry[0]) > 0) yield entry
      return
    }
    for (const userId of this.#hub.users()) {
      const range = members.ranges.get(userId)
      if (range) yield [userId, range]
    }
  }

  /** Frames sent to `conn`; a promise only when a gap must be filled from the database first. */
  #pushMessage(conn: Connection, message: Message, data: Buffer, range: MemberRange, below: StoredBelow): number | Promise<number> {
    const { conversationId, seq } = message
    const last = conn.lastSeq.get(conversationId)
    if (last !== undefined && seq <= last) return 0
    let sent = 0
    if (last === undefined) {
      const owed = storedSince(below.items, conn.connectedAt, range)
      for (const m of owed) conn.send({ type: 'message.created', message: messageView(m) })
      sent = owed.length
      conn.firstSeq.set(conversationId, owed[0]?.seq ?? seq)
    } else if (seq > last + 1) {
      if (last >= below.after) {
        for (const m of below.items) {
          if (m.seq <= last || !isVisible(range, m.seq, true)) continue
          conn.send({ type: 'message.created', message: messageView(m) })
          sent++
        }
      } else if (seq - last - 1 <= MAX_GAP_FILL) {
        return this.#fillGapThenPush(conn, message, data, range, last)
      } else {
        conn.send({ type: 'resync_required', conversationId, lastSeq: seq })
      }
    }
    conn.lastSeq.set(conversationId, seq)
    conn.sendRaw(data)
    return sent + 1
  }

  async #fillGapThenPush(conn: Connection, message: Message, data: Buffer, range: MemberRange, last: number): Promise<number> {
    const { items } = await this.#store.messages.history(message.conversationId, {
      after: last,
      limit: message.seq - last - 1,
      minSeq: range.joinSeq,
      maxSeq: message.seq - 1,
    })
    for (const m of items) conn.send({ type: 'message.created', message: messageView(m) })
    conn.lastSeq.set(message.conversationId, message.seq)
    conn.sendRaw(data)
    return items.length + 1
  }
}

/**
 * What a fresh socket is owed of the messages stored below its first live one: the run of them
 * stored since it connected (older ones its client reads from history or resume), visible to it.
 */
function storedSince(items: StoredMessage[], connectedAt: number, range: MemberRange): StoredMessage[] {
  let from = items.length
  while (from > 0 && items[from - 1]!.createdAt >= connectedAt && isVisible(range, items[from - 1]!.seq, true)) from--
  return items.slice(from)
}
