import type { Logger } from 'pino'
import type { Route, UserEvent } from '../domain/events.js'
import type { Message } from '@jim/protocol'
import { messageView } from '../domain/messages/message-view.js'
import type { MemberRange, MemberRanges, MemberRangesCache } from '../domain/conversations/member-ranges-cache.js'
import type { Store } from '../domain/store.js'
import type { Connection } from './connection.js'
import type { Hub } from './hub.js'

type ConversationRoute = Extract<Route, { conversationId: string }>

/** Beyond this many missing messages a socket is told `resync_required` instead of a gap fill. */
const MAX_GAP_FILL = 200

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
 * - Per socket, drops a message whose seq it already got and fills a gap from the database
 *   (pub/sub may lose or reorder events between instances); a seq below the socket's first live
 *   one that it never got still goes out (see #isLateFirstPush).
 */
export class ConversationFanout {
  readonly #hub: Hub
  readonly #store: Store
  readonly #logger: Logger
  readonly #members: MemberRangesCache
  readonly #chains = new Map<string, Promise<void>>()
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
    // the replay covered everything below: no late live seq is missing any more
    conn.firstSeq.delete(conversationId)
    conn.lateSeqs.delete(conversationId)
  }

  /** Whether a message was pushed live to `conn` (resume skips those). */
  static wasPushedLive(conn: Connection, conversationId: string, seq: number): boolean {
    const first = conn.firstSeq.get(conversationId)
    const last = conn.lastSeq.get(conversationId)
    if (first !== undefined && last !== undefined && seq >= first && seq <= last) return true
    return conn.lateSeqs.get(conversationId)?.has(seq) ?? false
  }

  async #deliver(route: ConversationRoute, event: UserEvent, exceptSessionId?: string): Promise<void> {
    const members = await this.#members.at(route.conversationId, route.membershipVersion)
    const message = event.type === 'message.created' ? event.message : null
    const aboutSeq = message ? message.seq : seqCarriedBy(event)
    // serialized and encoded once: every recipient's socket writes the same bytes
    const data = Buffer.from(JSON.stringify(event))
    let pushed = 0
    for (const [userId, range] of this.#localMembers(members)) {
      if (!isVisible(range, aboutSeq, message !== null)) continue
      for (const conn of this.#hub.socketsOf(userId)) {
        if (conn.sessionId === exceptSessionId) continue
        if (!message) {
          conn.sendRaw(data)
          pushed++
          continue
        }
        // no promise per recipient: only a socket with a gap to fill waits for the database
        const sent = this.#pushMessage(conn, message, data, range)
        pushed += typeof sent === 'number' ? sent : await sent
      }
    }
    if (pushed > 0) this.#pushed(pushed)
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
  #pushMessage(conn: Connection, message: Message, data: Buffer, range: MemberRange): number | Promise<number> {
    const last = conn.lastSeq.get(message.conversationId)
    if (last !== undefined && message.seq <= last) {
      if (!this.#isLateFirstPush(conn, message)) return 0
      conn.sendRaw(data)
      return 1
    }
    if (last !== undefined && message.seq > last + 1) {
      const missing = message.seq - last - 1
      if (missing <= MAX_GAP_FILL) return this.#fillGapThenPush(conn, message, data, range, last)
      conn.send({ type: 'resync_required', conversationId: message.conversationId, lastSeq: message.seq })
    }
    if (last === undefined && !conn.firstSeq.has(message.conversationId)) conn.firstSeq.set(message.conversationId, message.seq)
    conn.lastSeq.set(message.conversationId, message.seq)
    conn.sendRaw(data)
    return 1
  }

  /**
   * A socket's first live message of a conversation is its baseline, but pub/sub gives no order
   * between instances: seq 2 published here may overtake seq 1 routed from another instance. A
   * seq below the baseline that this socket has not had yet is therefore still pushed, once
   * (within MAX_GAP_FILL of the baseline; anything older the client has from history or resume).
   */
  #isLateFirstPush(conn: Connection, message: Message): boolean {
    const first = conn.firstSeq.get(message.conversationId)
    if (first === undefined || message.seq >= first || first - message.seq > MAX_GAP_FILL) return false
    let late = conn.lateSeqs.get(message.conversationId)
    if (late?.has(message.seq)) return false
    if (!late) conn.lateSeqs.set(message.conversationId, (late = new Set()))
    late.add(message.seq)
    return true
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
