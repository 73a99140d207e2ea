import type { Socket } from 'node:net'
import type { ServerResponse } from 'node:http'
import type { FastifyBaseLogger, FastifyRequest } from 'fastify'
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

/**
 * @fastify/websocket routes the upgrade through Fastify: it assigns a ServerResponse to the TCP
 * socket that is never finished (the reply is hijacked), and its 'error' listener closes over the
 * upgrade's Fastify request and reply. Both would live as long as the socket (the upgrade's
 * headers, request, reply and their child logger: kilobytes per idle socket). Once the socket is
 * ours, detach the response and route errors to `onError`, which holds only what a log line needs.
 */
export function dropUpgradeLeftovers(ws: WebSocket, request: FastifyRequest, onError: (error: Error) => void): void {
  const socket = request.raw.socket as (Socket & { _httpMessage?: ServerResponse | null }) | undefined
  const response = socket?._httpMessage
  if (socket && response?.socket === socket) response.detachSocket(socket)
  ws.removeAllListeners('error')
  ws.on('error', onError)
}
