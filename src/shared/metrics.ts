import { eventLoopDelayHistogram } from './event-loop-delay.js'
import { Counter, Gauge, Histogram, Registry, collectDefaultMetrics } from 'prom-client'

/** Prometheus metrics of one app instance (own registry, so tests can run several apps). */
export function createMetrics() {
  const registry = new Registry()
  collectDefaultMetrics({ register: registry })
  const httpRequests = new Counter({
    name: 'jim_http_requests_total',
    help: 'HTTP requests by route and status',
    labelNames: ['method', 'route', 'status'] as const,
    registers: [registry],
  })
  const httpDuration = new Histogram({
    name: 'jim_http_request_duration_seconds',
    help: 'HTTP request latency',
    labelNames: ['method', 'route'] as const,
    buckets: [0.001, 0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5],
    registers: [registry],
  })
  const wsConnections = new Gauge({
    name: 'jim_ws_connections',
    help: 'Open WebSocket connections on this instance',
    registers: [registry],
  })
  const wsFramesPushed = new Counter({ name: 'jim_ws_frames_pushed_total', help: 'Frames pushed to sockets', registers: [registry] })
  const messagesStored = new Counter({ name: 'jim_messages_stored_total', help: 'Messages stored by this instance', registers: [registry] })
  const brokerEvents = new Counter({
    name: 'jim_broker_events_total',
    help: 'Cluster events by direction',
    labelNames: ['direction'] as const,
    registers: [registry],
  })
  const errors = new Counter({ name: 'jim_errors_total', help: 'Unexpected errors (500s)', registers: [registry] })
  // cluster fan-out (redis broker): how late events arrive, and what did not go out
  const brokerLag = new Histogram({
    name: 'jim_broker_lag_seconds',
    help: "Publish to receive time of cluster events (publisher's clock at publish, ours at receive)",
    buckets: [0.0005, 0.001, 0.0025, 0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 5],
    registers: [registry],
  })
  const brokerPublishErrors = new Counter({
    name: 'jim_broker_publish_errors_total',
    help: 'Cluster events not handed to Redis (stored anyway; clients catch up by resume)',
    registers: [registry],
  })
  const brokerResyncs = new Counter({
    name: 'jim_broker_resyncs_total',
    help: 'Times sockets were told to sync after a broker reconnect, a failed liveness probe or a publisher gap',
    labelNames: ['reason'] as const,
    registers: [registry],
  })
  const eventLoop = eventLoopDelayHistogram(registry)
  return {
    registry,
    eventLoopDelay: eventLoop.histogram,
    /** stops the event-loop sampling timer */
    close: eventLoop.stop,
    httpRequests,
    httpDuration,
    wsConnections,
    wsFramesPushed,
    messagesStored,
    brokerEvents,
    errors,
    brokerLag,
    brokerPublishErrors,
    brokerResyncs,
    broker: {
      publishFailed: () => brokerPublishErrors.inc(),
      received: (lagMs: number) => brokerLag.observe(lagMs / 1000),
      resynced: (reason: 'reconnect' | 'probe' | 'gap') => brokerResyncs.inc({ reason }),
    },
    gateway: {
      connectionOpened: () => wsConnections.inc(),
      connectionClosed: () => wsConnections.dec(),
      framePushed: (n: number) => wsFramesPushed.inc(n),
    },
  }
}

export type Metrics = ReturnType<typeof createMetrics>
