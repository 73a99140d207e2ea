import type { Socket } from 'node:net'
import type { ServerResponse } from 'node:http'
import type { FastifyRequest } from 'fastify'
import type { WebSocket } from 'ws'

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
