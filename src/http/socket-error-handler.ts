import type { FastifyBaseLogger } from 'fastify'
import type { Logger } from 'pino'
import type { WebSocket } from 'ws'
import { LogThrottle } from '../shared/log-throttle.js'

/**
 * What a socket error costs: a client breaking the protocol (oversized frame, bad opcode) needs
 * no login, so it gets one cheap, throttled warning, never a stack per socket; anything else is
 * our bug and keeps its stack. The socket is terminated either way.
 */
export function socketErrorHandler(): (error: Error, ws: WebSocket, log: Logger | FastifyBaseLogger, fields: { ip: string }) => void {
  const clientErrors = new LogThrottle(10_000)
  return (error, ws, log, fields) => {
    const code = (error as { code?: string }).code
    if (code?.startsWith('WS_ERR_')) {
      const suppressed = clientErrors.take()
      if (suppressed !== null) log.warn({ event: 'ws.client_error', code, ...fields, suppressed }, `websocket closed: ${error.message}`)
    } else {
      log.error({ err: error, ...fields }, 'websocket handler failed')
    }
    ws.terminate()
  }
}
