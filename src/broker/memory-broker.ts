import type { ClusterEvent } from '../domain/events.js'
import type { Broker, ClusterEventHandler } from '../domain/broker.js'

/**
 * In-process broker for the embedded default. Only for a single instance: events never leave
 * the process. Delivery is deferred to a microtask so publishers never re-enter handlers,
 * and microtasks keep publish order.
 */
export class MemoryBroker implements Broker {
  #handler: ClusterEventHandler = () => {}

  async publish(event: ClusterEvent): Promise<void> {
    queueMicrotask(() => this.#handler(event))
  }

  onEvent(handler: ClusterEventHandler): void {
    this.#handler = handler
  }

  onResubscribed(): void {}

  health(): 'ok' {
    return 'ok'
  }

  async close(): Promise<void> {}
}
