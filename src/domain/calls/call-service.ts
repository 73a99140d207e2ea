import type { ClientFrameOf } from '@jim/protocol'
import type { Logger } from 'pino'
import type { Clock } from '../../shared/clock.js'
import { isId, newId } from '../../shared/ids.js'
import type { Broker } from '../broker.js'
import type { ConversationService } from '../conversations/conversation-service.js'
import { AppError } from '../errors.js'
import { messageCreatedEvent } from '../messages/message-events.js'
import type { Store } from '../store.js'
import { joinedOf, type Call, type CallEndReason, type CallMedia } from './call.js'
import { callView } from './call-view.js'

export interface CallSettings {
  ringSeconds: number
  maxParticipants: number
  liveCheckSeconds: number
}

/** A call that started ringing: who may be told while they are not looking (Web Push). */
export interface CallRinging {
  callId: string
  conversationId: string
  callerId: string
  media: CallMedia
}

export interface CallDeps {
  store: Store
  broker: Broker
  clock: Clock
  logger: Logger
  conversations: ConversationService
  settings: CallSettings
  /** called once, on the instance where the call started, after its first `call.updated` is published */
  onRinging?: (call: CallRinging) => void
}

/** Marks a participant may miss (a slow sweep, a busy event loop) before their part is ended. */
const MISSED_MARKS = 3

/**
 * The call state machine. A call is rows in the database (so every instance sees the same state
 * and each change has one winner), its changes are pushed as `call.updated` through the broker,
 * and WebRTC signalling is relayed to the one socket it is addressed to, on whichever instance.
 *
 * direct: ringing (the callee's devices ring) → active (one device answered; the others stop) →
 * ended (either hangs up). Declined, busy, unanswered in `ringSeconds`, or cancelled by the caller
 * end it before that. group: every member may join while it runs (up to `maxParticipants`); it
 * ends when the last one leaves. Every end leaves a `system` message `{event: "call"}`.
 *
 * Liveness: a closed socket leaves at once (`socketClosed`); each instance marks its sockets'
 * participations alive every `liveCheckSeconds` and ends those of a dead instance after
 * MISSED_MARKS missed marks; ringing calls whose timer's instance died end in the same sweep.
 */
export class CallService {
  readonly #d: CallDeps
  /** this instance's sockets in calls: connection id → user and call ids */
  readonly #local = new Map<string, { userId: string; callIds: Set<string> }>()
  readonly #ringTimers = new Map<string, NodeJS.Timeout>()
  #sweepTimer: NodeJS.Timeout | null = null
  #sweeping = false
  /** socket-close work still running (awaited before the store closes) */
  readonly #pending = new Set<Promise<void>>()

  constructor(deps: CallDeps) {
    this.#d = deps
  }

  /** Starts sweeping (marks, dead participants, lost ring timers). */
  startSweeps(): void {
    this.#sweepTimer = setInterval(() => void this.sweep(), this.#d.settings.liveCheckSeconds * 1000)
    this.#sweepTimer.unref()
  }

  close(): void {
    if (this.#sweepTimer) clearInterval(this.#sweepTimer)
    for (const t of this.#ringTimers.values()) clearTimeout(t)
    this.#ringTimers.clear()
  }

  view(call: Call) {
    return callView(call, this.#d.settings.maxParticipants)
  }

  /** The call running in a conversation I am a member of, if any. */
  async runningIn(userId: string, conversationId: string): Promise<Call | null> {
    await this.#member(conversationId, userId)
    return this.#d.store.calls.runningIn(conversationId)
  }

  async start(userId: string, connectionId: string, conversationId: string, media: CallMedia): Promise<Call> {
    const { store, clock } = this.#d
    const s = await this.#member(conversationId, userId)
    if (s.conversation.kind === 'world') throw new AppError('call.not_allowed')
    const peerId = s.conversation.kind === 'direct' ? s.peerId : null
    if (s.conversation.kind === 'direct') {
      if (!peerId) throw new AppError('call.not_allowed')
      if (await store.friends.isBlockedEitherWay(userId, peerId)) throw new AppError('call.blocked')
      // like direct messages: a direct chat kept after unfriending is for reading, not for calls
      if (!(await store.friends.areFriends(userId, peerId))) throw new AppError('message.not_friends')
    }
    if (await store.calls.isInCall(userId)) throw new AppError('call.busy')
    const created = await store.calls.create({
      id: newId(),
      conversationId,
      kind: peerId ? 'direct' : 'group',
      media,
      initiatorId: userId,
      connectionId,
      inviteeIds: peerId ? [peerId] : [],
      now: clock.now(),
    })
    if (created.kind === 'running') {
      throw new AppError('call.running', undefined, { details: { callId: created.callId } })
    }
    const call = created.call
    this.#track(connectionId, userId, call.id)
    this.#log('call.started', call, { userId }, 'call started')
    if (peerId && (await store.calls.isInCall(peerId, call.id))) return (await this.#end(call.id, 'busy')) ?? call
    const timer = setTimeout(() => void this.#ringTimeout(call.id), this.#d.settings.ringSeconds * 1000)
    timer.unref()
    this.#ringTimers.set(call.id, timer)
    await this.#publish(call)
    this.#d.onRinging?.({ callId: call.id, conversationId, callerId: userId, media })
    return call
  }

  /** Answers a ringing call, or joins a running group call, from this socket. */
  async join(userId: string, connectionId: string, callId: string): Promise<Call> {
    const { store, clock, settings } = this.#d
    const call = await this.#visible(callId, userId)
    const mine = call.participants.find((p) => p.userId === userId)
    if (mine?.state === 'joined' && mine.connectionId === connectionId) return call
    if (mine?.state === 'joined') throw new AppError('call.answered_elsewhere')
    if (call.kind === 'direct' && mine?.state !== 'invited') throw new AppError('call.not_found')
    if (await store.calls.isInCall(userId, call.id)) throw new AppError('call.busy')
    if (call.kind === 'group' && joinedOf(call).length >= settings.maxParticipants) {
      throw new AppError('call.full', undefined, { details: { max: settings.maxParticipants } })
    }
    const ok = await store.calls.join({ callId, userId, connectionId, group: call.kind === 'group', now: clock.now() })
    if (!ok) throw new AppError('call.answered_elsewhere')
    this.#track(connectionId, userId, callId)
    const updated = (await store.calls.find(callId))!
    this.#log('call.joined', updated, { userId }, 'call joined')
    if (updated.state === 'ended') throw new AppError('call.not_found')
    await this.#publish(updated)
    return updated
  }

  /** Declines on all my devices: a direct call ends; in a group only my ringing stops. */
  async decline(userId: string, callId: string): Promise<Call> {
    const { store, clock } = this.#d
    const call = await this.#visible(callId, userId)
    const ok = await store.calls.decline({ callId, userId, group: call.kind === 'group', now: clock.now() })
    if (!ok)
      throw new AppError(
        call.participants.some((p) => p.userId === userId && p.state === 'joined') ? 'call.answered_elsewhere' : 'call.not_found',
      )
    this.#log('call.declined', call, { userId }, 'call declined')
    if (call.kind === 'direct') return (await this.#end(callId, 'declined')) ?? call
    const updated = (await store.calls.find(callId))!
    await this.#publish(updated)
    return updated
  }

  /** Hangs up from this socket (null: any socket of the user, for dead or departed participants). */
  async leave(userId: string, connectionId: string | null, callId: string): Promise<Call> {
    const { store, clock } = this.#d
    const call = isId(callId) ? await store.calls.find(callId) : null
    if (!call || call.state === 'ended') throw new AppError('call.not_in_call')
    const ok = await store.calls.leave({ callId, userId, connectionId, now: clock.now() })
    if (!ok) throw new AppError('call.not_in_call')
    if (connectionId) this.#untrack(connectionId, callId)
    this.#log('call.left', call, { userId }, 'call left')
    return this.#afterLeave(callId)
  }

  /** Relays an SDP description or ICE candidate to one other participant's socket. */
  async signal(userId: string, connectionId: string, frame: ClientFrameOf<'call.signal'>): Promise<void> {
    if (!frame.description && !frame.candidate) {
      throw new AppError('request.invalid', 'A call.signal carries a description or a candidate.')
    }
    const call = isId(frame.callId) ? await this.#d.store.calls.find(frame.callId) : null
    const joined = call && call.state !== 'ended' ? joinedOf(call) : []
    const from = joined.find((p) => p.userId === userId && p.connectionId === connectionId)
    const to = joined.find((p) => p.connectionId === frame.toConnectionId && p.userId !== userId)
    if (!from) throw new AppError('call.not_in_call')
    if (!to) throw new AppError('call.not_in_call', 'The socket you signal is not in this call.')
    await this.#d.broker.publish({
      kind: 'push',
      route: { users: [to.userId] },
      connectionId: to.connectionId!,
      event: {
        type: 'call.signal',
        callId: frame.callId,
        fromUserId: userId,
        fromConnectionId: connectionId,
        ...(frame.description ? { description: frame.description } : {}),
        ...(frame.candidate ? { candidate: frame.candidate } : {}),
      },
    })
  }

  async media(userId: string, connectionId: string, frame: ClientFrameOf<'call.media'>): Promise<void> {
    const { store } = this.#d
    const q = { callId: frame.callId, userId, connectionId, muted: frame.muted, cameraOff: frame.cameraOff }
    if (!isId(frame.callId) || !(await store.calls.setMedia(q))) throw new AppError('call.not_in_call')
    const call = await store.calls.find(frame.callId)
    if (call && call.state !== 'ended') await this.#publish(call)
  }

  /** A socket closed on this instance: its part in any call ends now. */
  socketClosed(connectionId: string): void {
    if (!this.#local.has(connectionId)) return
    const work = this.#leaveAll(connectionId)
    this.#pending.add(work)
    void work.finally(() => this.#pending.delete(work))
  }

  /** Waits for the calls of closed sockets to be ended. */
  async settle(): Promise<void> {
    await Promise.all([...this.#pending])
  }

  async #leaveAll(connectionId: string): Promise<void> {
    const entry = this.#local.get(connectionId)
    if (!entry) return
    for (const callId of [...entry.callIds]) {
      await this.leave(entry.userId, connectionId, callId).catch((err: unknown) => this.#ignoreGone(err))
    }
    this.#local.delete(connectionId)
  }

  /** One round of liveness: mark local participants, drop dead and departed ones, end lost ringing calls. */
  async sweep(): Promise<void> {
    if (this.#sweeping) return
    this.#sweeping = true
    const { store, clock, settings, logger } = this.#d
    try {
      const now = clock.now()
      await store.calls.touch([...this.#local.keys()], now)
      for (const { callId, userId } of await store.calls.stale(now - MISSED_MARKS * settings.liveCheckSeconds * 1000)) {
        logger.info(
          { event: 'call.participant_dropped', callId, userId },
          'call participant dropped (socket or instance lost, or left the chat)',
        )
        await this.leave(userId, null, callId).catch((err: unknown) => this.#ignoreGone(err))
      }
      for (const callId of await store.calls.ringingSince(now - (settings.ringSeconds + settings.liveCheckSeconds) * 1000)) {
        await this.#end(callId, 'missed')
      }
    } catch (err) {
      logger.warn({ event: 'call.sweep_failed', err: { message: (err as Error).message } }, 'call sweep failed')
    } finally {
      this.#sweeping = false
    }
  }

  async #ringTimeout(callId: string): Promise<void> {
    this.#ringTimers.delete(callId)
    try {
      const call = await this.#d.store.calls.find(callId)
      if (call?.state === 'ringing') await this.#end(callId, 'missed')
    } catch (err) {
      // the sweep of some instance ends it later
      this.#d.logger.warn({ event: 'call.ring_timeout_failed', callId, err: { message: (err as Error).message } }, 'ring timeout failed')
    }
  }

  /** After someone left: a direct call ends; a group call ends with its last participant. */
  async #afterLeave(callId: string): Promise<Call> {
    const call = (await this.#d.store.calls.find(callId))!
    if (call.state === 'ended') return call
    const answered = call.answeredAt !== null
    if (call.kind === 'direct' || joinedOf(call).length === 0) {
      return (await this.#end(callId, answered ? 'completed' : 'cancelled')) ?? call
    }
    await this.#publish(call)
    return call
  }

  /** Ends a call once (the first of racing enders wins), writes its system message and tells everyone. */
  async #end(callId: string, reason: CallEndReason): Promise<Call | null> {
    const { store, clock, broker } = this.#d
    const timer = this.#ringTimers.get(callId)
    if (timer) clearTimeout(timer)
    this.#ringTimers.delete(callId)
    const before = await store.calls.find(callId)
    if (!before || before.state === 'ended') return null
    const now = clock.now()
    const durationSeconds = before.answeredAt !== null ? Math.max(0, Math.round((now - before.answeredAt) / 1000)) : 0
    const ended = await store.calls.end({
      callId,
      reason,
      now,
      content: { callId, media: before.media, outcome: reason, durationSeconds, initiatorId: before.initiatorId },
    })
    if (!ended) return null
    for (const p of before.participants) if (p.connectionId) this.#untrack(p.connectionId, callId)
    this.#log('call.ended', ended.call, { reason, durationSeconds }, 'call ended')
    await broker.publish(messageCreatedEvent(ended.message, ended.membershipVersion))
    await this.#publish(ended.call)
    return ended.call
  }

  /** `call.updated` to both users of a direct call, or to the current members of a group. */
  async #publish(call: Call): Promise<void> {
    const { store, broker } = this.#d
    const event = { type: 'call.updated' as const, call: this.view(call) }
    if (call.kind === 'direct') {
      await broker.publish({ kind: 'push', route: { users: call.participants.map((p) => p.userId) }, event })
      return
    }
    const conversation = await store.conversations.findById(call.conversationId)
    if (!conversation) return
    await broker.publish({
      kind: 'push',
      route: { conversationId: call.conversationId, membershipVersion: conversation.membershipVersion },
      event,
    })
  }

  /** A current member's summary of the conversation (404 for anyone else). */
  async #member(conversationId: string, userId: string) {
    const s = await this.#d.conversations.summary(conversationId, userId)
    if (s.membership.leftSeq !== null) throw new AppError('conversation.not_found')
    return s
  }

  /** A call that has not ended, in a conversation the user is a current member of. */
  async #visible(callId: string, userId: string): Promise<Call> {
    const call = isId(callId) ? await this.#d.store.calls.find(callId) : null
    if (!call || call.state === 'ended') throw new AppError('call.not_found')
    try {
      await this.#member(call.conversationId, userId)
    } catch (err) {
      if (err instanceof AppError && err.code === 'conversation.not_found') throw new AppError('call.not_found')
      throw err
    }
    return call
  }

  #track(connectionId: string, userId: string, callId: string): void {
    let entry = this.#local.get(connectionId)
    if (!entry) this.#local.set(connectionId, (entry = { userId, callIds: new Set() }))
    entry.callIds.add(callId)
  }

  #untrack(connectionId: string, callId: string): void {
    const entry = this.#local.get(connectionId)
    if (!entry) return
    entry.callIds.delete(callId)
    if (entry.callIds.size === 0) this.#local.delete(connectionId)
  }

  /** A participant already gone (someone else ended their part first) is no failure here. */
  #ignoreGone(err: unknown): void {
    if (err instanceof AppError && err.code === 'call.not_in_call') return
    this.#d.logger.warn({ event: 'call.leave_failed', err: { message: (err as Error).message } }, 'call leave failed')
  }

  #log(event: string, call: Call, fields: Record<string, unknown>, message: string): void {
    this.#d.logger.info(
      { event, callId: call.id, conversationId: call.conversationId, kind: call.kind, media: call.media, ...fields },
      message,
    )
  }
}
