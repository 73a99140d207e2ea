import { spawn, type ChildProcess } from 'node:child_process'
import { existsSync, mkdtempSync, rmSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { freePort } from './redis.js'

export const TURNSERVER = '/usr/bin/turnserver'
export const UCLIENT = '/usr/bin/turnutils_uclient'

/** Whether Debian's coturn is installed; CI installs it (.ci/run), so there its absence fails the suite. */
export function coturnAvailable(suite: string): boolean {
  const have = existsSync(TURNSERVER) && existsSync(UCLIENT)
  if (!have) {
    if (process.env.CI === 'true') throw new Error('coturn is not installed: apt-get install -y coturn')
    console.warn(`${suite}: coturn not installed, skipping (apt-get install -y coturn)`)
  }
  return have
}

export interface Coturn {
  port: number
  /** `turn:127.0.0.1:<port>?transport=udp`, for `calls.turnUrls` */
  url: string
  stop(): void
}

/**
 * coturn on a free loopback port, checking TURN REST credentials (`use-auth-secret`) signed with
 * `secret`, as README "Calls" tells operators to run it; loopback peers allowed (both ends are here).
 */
export async function startCoturn(secret: string): Promise<Coturn> {
  const port = await freePort()
  const dir = mkdtempSync(join(tmpdir(), 'jim-coturn-'))
  const child: ChildProcess = spawn(
    TURNSERVER,
    [
      '-n',
      ...['--listening-ip', '127.0.0.1', '--relay-ip', '127.0.0.1', '--listening-port', String(port)],
      ...['--use-auth-secret', '--static-auth-secret', secret, '--realm', 'jim.test'],
      ...['--no-cli', '--no-tls', '--no-dtls', '--allow-loopback-peers', '--simple-log', '--log-file', 'stdout'],
      ...['--userdb', join(dir, 'turndb'), '--pidfile', join(dir, 'turnserver.pid')],
    ],
    { stdio: ['ignore', 'pipe', 'pipe'] },
  )
  let log = ''
  try {
    await new Promise<void>((resolve, reject) => {
      const timer = setTimeout(() => reject(new Error(`coturn did not start: ${log}`)), 10_000)
      const onData = (chunk: Buffer) => {
        log = (log + chunk.toString()).slice(-4000)
        if (/listener opened on|Total General servers/i.test(log)) {
          clearTimeout(timer)
          resolve()
        }
      }
      child.stdout!.on('data', onData)
      child.stderr!.on('data', onData)
      child.once('exit', (code) => reject(new Error(`coturn exited ${code}: ${log}`)))
    })
  } catch (err) {
    child.kill('SIGKILL')
    rmSync(dir, { recursive: true, force: true })
    throw err
  }
  return {
    port,
    url: `turn:127.0.0.1:${port}?transport=udp`,
    stop: () => {
      child.kill('SIGTERM')
      rmSync(dir, { recursive: true, force: true })
    },
  }
}
