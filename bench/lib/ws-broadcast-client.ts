import { BenchHttp } from './bench-client.js'
import type { TargetInstance } from './scenario.js'

/** The room every swarm socket of the raw broadcast joins (`/ws` without `?room=`). */
const ROOM = 'default'

/**
 * The sending side of the raw `ws` broadcast baseline (bench/baselines/ws-broadcast.ts): an HTTP
 * publish whose body the server pushes, as it is, to every socket in the room, as JIM's senders
 * post through REST. `text` becomes a JSON body `{"text": …}` of `frameBytes` bytes in all.
 */
export function broadcastSender(instance: TargetInstance): { send(text: string): Promise<void>; close(): void } {
  const http = new BenchHttp(instance.url, 64, '')
  return {
    async send(text) {
      const res = await http.request('POST', `/rooms/${ROOM}/publish`, { text })
      if (res.status !== 202) throw new Error(`publish: ${res.status}`)
    },
    close: () => http.close(),
  }
}
