import type { Logger } from 'pino'
import type { AcceptedRequest, RemovedFriendship } from './friends/friend.js'

/** What happened in one capability that others react to, each after its write committed. */
export interface DomainEventMap {
  /** a new account was created (registration) */
  'user.registered': { userId: string }
  /** a user's nickname or avatar changed (what others see of them in chats) */
  'user.profile_changed': { userId: string }
  /** a user chose another status with PATCH /me (their presence changed) */
  'user.status_changed': { userId: string }
  /** an account was deleted (by the user or an admin), its sessions revoked */
  'account.deleted': { userId: string }
  /** a friend request was made (not one that crossed a pending one and was accepted) */
  'friend.requested': { requestId: string; fromUserId: string; toUserId: string }
  /** a friend request was accepted: both are friends now */
  'friend.accepted': AcceptedRequest
  /** a friendship ended (removed or blocked) */
  'friend.removed': RemovedFriendship
}

export type DomainEventType = keyof DomainEventMap
export type DomainEventHandler<K extends DomainEventType> = (event: DomainEventMap[K]) => Promise<void> | void

/**
 * In-process domain events: a service announces what it did; other capabilities subscribe
 * (see `subscribeDomainReactions`), so the announcer knows nothing of them and the composition
 * root holds no policy. Handlers run in subscription order and are awaited (a request answers
 * after its consequences); one that throws is logged and stops neither the others nor the
 * announcer, whose own change is already committed. Not the broker: these never leave the
 * instance (the broker carries pushes and cache invalidations between instances).
 */
export class DomainEvents {
  readonly #handlers = new Map<DomainEventType, Array<DomainEventHandler<never>>>()
  readonly #logger: Logger

  constructor(logger: Logger) {
    this.#logger = logger
  }

  on<K extends DomainEventType>(type: K, handler: DomainEventHandler<K>): void {
    const list = this.#handlers.get(type) ?? []
    list.push(handler as DomainEventHandler<never>)
    this.#handlers.set(type, list)
  }

  async emit<K extends DomainEventType>(type: K, event: DomainEventMap[K]): Promise<void> {
    for (const handler of this.#handlers.get(type) ?? []) {
      try {
        await (handler as DomainEventHandler<K>)(event)
      } catch (err) {
        this.#logger.error({ event: 'domain_event.handler_failed', type, ...idsOf(event), err }, `a ${type} handler failed`)
      }
    }
  }
}

/** The ids of an event, for the log line (never its text: a greeting is user content). */
function idsOf(event: object): Record<string, string> {
  return Object.fromEntries(Object.entries(event).filter(([k, v]) => /(^id|Id)$/.test(k) && typeof v === 'string'))
}
