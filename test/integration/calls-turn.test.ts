import { spawn, spawnSync, type ChildProcess } from 'node:child_process'
import { existsSync, mkdtempSync, rmSync } from 'node:fs'
import { createServer } from 'node:net'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { createUser } from '../helpers/api-client.js'
import { startTestApp, type TestApp } from '../helpers/test-app.js'

const TURNSERVER = '/usr/bin/turnserver'
const UCLIENT = '/usr/bin/turnutils_uclient'
const SECRET = `turn-${Math.random().toString(36).slice(2)}`
// CI installs coturn (.ci/run); a laptop without it skips loudly
const haveCoturn = existsSync(TURNSERVER) && existsSync(UCLIENT)
if (!haveCoturn) {
  if (process.env.CI === 'true') throw new Error('coturn is not installed: apt-get install -y coturn')
  console.warn('calls-turn: coturn not installed, skipping (apt-get install -y coturn)')
}

async function freePort(): Promise<number> {
  const server = createServer()
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve))
  const { port } = server.address() as { port: number }
  await new Promise((resolve) => server.close(resolve))
  return port
}

/** Allocates a relay on coturn with these credentials and sends a packet through it (client to client). */
function allocate(port: number, username: string, password: string) {
  const run = spawnSync(
    UCLIENT,
    ['-u', username, '-w', password, '-p', String(port), '-n', '1', '-m', '1', '-c', '-y', '-e', '127.0.0.1', '127.0.0.1'],
    {
      encoding: 'utf8',
      timeout: 20_000,
    },
  )
  return { status: run.status, output: `${run.stdout}${run.stderr}` }
}

/** coturn with `use-auth-secret` accepts the TURN REST credentials JIM signs, and nothing else (issue 19). */
describe.runIf(haveCoturn)('calls: TURN credentials against coturn', () => {
  let turnPort = 0
  let coturn: ChildProcess | null = null
  let dir = ''
  let t: TestApp

  beforeAll(async () => {
    turnPort = await freePort()
    const turnUrls = `turn:127.0.0.1:${turnPort}?transport=udp`
    t = await startTestApp({ overrides: { 'calls.turnUrls': turnUrls, 'calls.turnSecret': SECRET, 'calls.turnTtlSeconds': 300 } })
    dir = mkdtempSync(join(tmpdir(), 'jim-coturn-'))
    coturn = spawn(
      TURNSERVER,
      [
        '-n',
        ...['--listening-ip', '127.0.0.1', '--relay-ip', '127.0.0.1', '--listening-port', String(turnPort)],
        ...['--use-auth-secret', '--static-auth-secret', SECRET, '--realm', 'jim.test'],
        ...['--no-cli', '--no-tls', '--no-dtls', '--allow-loopback-peers', '--simple-log', '--log-file', 'stdout'],
        ...['--userdb', join(dir, 'turndb'), '--pidfile', join(dir, 'turnserver.pid')],
      ],
      { stdio: ['ignore', 'pipe', 'pipe'] },
    )
    // ready once it listens on the port
    let log = ''
    await new Promise<void>((resolve, reject) => {
      const timer = setTimeout(() => reject(new Error(`coturn did not start: ${log}`)), 10_000)
      const onData = (chunk: Buffer) => {
        log += chunk.toString()
        if (/listener opened on|Total General servers/i.test(log)) {
          clearTimeout(timer)
          resolve()
        }
      }
      coturn!.stdout!.on('data', onData)
      coturn!.stderr!.on('data', onData)
      coturn!.once('exit', (code) => reject(new Error(`coturn exited ${code}: ${log}`)))
    })
  })

  afterAll(async () => {
    await t?.close()
    coturn?.kill('SIGTERM')
    if (dir) rmSync(dir, { recursive: true, force: true })
  })

  it('should allocate a relay with the credential from GET /calls/ice-servers, and refuse a forged one', async () => {
    const user = await createUser(t.url, 'turnuser')
    const res = await user.api.get('/calls/ice-servers')
    expect(res.status).toBe(200)
    const [turn] = res.body.iceServers
    expect(turn.urls).toEqual([`turn:127.0.0.1:${turnPort}?transport=udp`])

    const ok = allocate(turnPort, turn.username, turn.credential)
    expect(ok.output).toMatch(/Total lost packets 0/)
    expect(ok.status).toBe(0)
    // someone else's user id under my password: the HMAC no longer matches
    const forged = allocate(turnPort, turn.username.replace(user.id, '01ARZ3NDEKTSV4RRFFQ69G5FAV'), turn.credential)
    expect(forged.status).not.toBe(0)
    expect(forged.output).toMatch(/Cannot complete Allocation/)
  })
})
