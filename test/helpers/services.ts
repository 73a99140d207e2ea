import net from 'node:net'

/**
 * Whether a shared service (MariaDB, PostgreSQL, Redis) answers on its port. On a laptop
 * without it the suites that need it skip with a visible message; in CI (CI=true) a missing
 * service is a failure, never a silent skip.
 */
export async function serviceAvailable(name: string, port: number, host = '127.0.0.1'): Promise<boolean> {
  const up = await new Promise<boolean>((resolve) => {
    const socket = net.connect({ host, port })
    socket.setTimeout(1000)
    socket.once('connect', () => {
      socket.destroy()
      resolve(true)
    })
    socket.once('timeout', () => {
      socket.destroy()
      resolve(false)
    })
    socket.once('error', () => resolve(false))
  })
  if (!up) {
    if (process.env.CI === 'true') throw new Error(`${name} is not reachable on ${host}:${port}, and CI=true requires it`)
    console.warn(`\n*** SKIPPING ${name} tests: nothing listens on ${host}:${port} ***\n`)
  }
  return up
}
