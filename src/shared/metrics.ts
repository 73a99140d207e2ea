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
  return {
    registry,
    httpRequests,
    httpDuration,
    wsConnections,
    wsFramesPushed,
    messagesStored,
    brokerEvents,
    errors,
    gateway: {
      connectionOpened: () => wsConnections.inc(),
      connectionClosed: () => wsConnections.dec(),
      framePushed: (n: number) => wsFramesPushed.inc(n),
    },
  }
}

export type Metrics = ReturnType<typeof createMetrics>
