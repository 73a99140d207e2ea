import WebSocket from 'ws'
import type { TargetInstance } from './scenario.js'

/**
 * The sending side of the raw `ws` broadcast baseline (bench/baselines/ws-broadcast.ts): one
 * socket whose frames the server pushes to every other socket, as they are.
 */
export async function broadcastSender(instance: TargetInstance): Promise<{ send(text: string): Promise<void>; close(): void }> {
  const ws = new WebSocket(instance.wsUrl, { perMessageDeflate: false })
  await new Promise<void>((resolve, reject) => {
    ws.once('open', () => resolve())
    ws.once('error', reject)
  })
  return {
    send: (text) =>
      new Promise<void>((resolve, reject) => {
        ws.send(text, (err) => (err ? reject(err) : resolve()))
      }),
    close: () => ws.terminate(),
  }
}
