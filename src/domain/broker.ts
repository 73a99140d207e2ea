import type { ClusterEvent } from './events.js'

export type ClusterEventHandler = (event: ClusterEvent) => void

/**
 * Fan-out between instances. Every publish goes through here, even in one process: the memory
 * broker calls the same handler the Redis subscriber calls.
 *
 * Delivery is at-most-once and, per publisher, in publish order. Messages are stored before
 * they are published, so a lost event is repaired by clients through `resume` by `seq`.
 */
export interface Broker {
  /** Sends an event to every instance (this one included). Resolves once handed off. */
  publish(event: ClusterEvent): Promise<void>
  /** Sets the one handler every received event goes to. */
  onEvent(handler: ClusterEventHandler): void
  /**
   * Called after the broker lost and regained its subscription, when events may have been
   * missed; the gateway then asks its sockets to `resume`.
   */
  onResubscribed(handler: () => void): void
  /** `ok` or `degraded` for /readyz; the broker never makes an instance unready. */
  health(): 'ok' | 'degraded'
  close(): Promise<void>
}
