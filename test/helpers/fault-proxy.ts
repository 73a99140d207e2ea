import net from 'node:net'

/**
 * A TCP proxy in front of a real service (a shared database, a private Redis) that injects
 * faults without touching the service itself:
 * - `pause()`: a black hole: connections stay open but nothing is forwarded either way
 *   (a hung network, a silently dead peer); `resume()` lets the held bytes through.
 * - `drop()`: resets every connection and every new one (the service looks down);
 *   `restore()` accepts and forwards again.
 */
export class FaultProxy {
  readonly #server: net.Server
  readonly #pairs = new Set<[net.Socket, net.Socket]>()
  #paused = false
  #dropping = false

  private constructor(
    server: net.Server,
    readonly port: number,
  ) {
    this.#server = server
  }

  static async start(target: { host?: string; port: number }): Promise<FaultProxy> {
    let proxy: FaultProxy | null = null
    const server = net.createServer((client) => proxy!.#accept(client, target.host ?? '127.0.0.1', target.port))
    await new Promise<void>((resolve, reject) => {
      server.once('error', reject)
      server.listen(0, '127.0.0.1', () => resolve())
    })
    proxy = new FaultProxy(server, (server.address() as net.AddressInfo).port)
    return proxy
  }

  /** Open client connections through the proxy. */
  get connections(): number {
    return this.#pairs.size
  }

  pause(): void {
    this.#paused = true
    for (const [a, b] of this.#pairs) {
      a.pause()
      b.pause()
    }
  }

  resume(): void {
    this.#paused = false
    for (const [a, b] of this.#pairs) {
      a.resume()
      b.resume()
    }
  }

  drop(): void {
    this.#dropping = true
    for (const [a, b] of this.#pairs) {
      a.destroy()
      b.destroy()
    }
    this.#pairs.clear()
  }

  restore(): void {
    this.#dropping = false
  }

  async close(): Promise<void> {
    this.drop()
    await new Promise<void>((resolve) => this.#server.close(() => resolve()))
  }

  #accept(client: net.Socket, host: string, port: number): void {
    if (this.#dropping) {
      client.destroy()
      return
    }
    const upstream = net.connect({ host, port })
    const pair: [net.Socket, net.Socket] = [client, upstream]
    this.#pairs.add(pair)
    // explicit writes instead of pipe(): a paused socket then really stays paused
    client.on('data', (data) => upstream.write(data))
    upstream.on('data', (data) => client.write(data))
    const end = () => {
      this.#pairs.delete(pair)
      client.destroy()
      upstream.destroy()
    }
    client.on('close', end)
    upstream.on('close', end)
    client.on('error', end)
    upstream.on('error', end)
    if (this.#paused) {
      client.pause()
      upstream.pause()
    }
  }
}
