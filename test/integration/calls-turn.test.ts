import { spawnSync } from 'node:child_process'
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { createUser } from '../helpers/api-client.js'
import { coturnAvailable, startCoturn, UCLIENT, type Coturn } from '../helpers/coturn.js'
import { startTestApp, type TestApp } from '../helpers/test-app.js'

const SECRET = `turn-${Math.random().toString(36).slice(2)}`

/** Allocates a relay on coturn with these credentials and sends a packet through it (client to client). */
function allocate(port: number, username: string, password: string) {
  const args = ['-u', username, '-w', password, '-p', String(port), '-n', '1', '-m', '1', '-c', '-y', '-e', '127.0.0.1', '127.0.0.1']
  const run = spawnSync(UCLIENT, args, { encoding: 'utf8', timeout: 20_000 })
  return { status: run.status, output: `${run.stdout}${run.stderr}` }
}

/** coturn with `use-auth-secret` accepts the TURN REST credentials JIM signs, and nothing else (issue 19). */
describe.runIf(coturnAvailable('calls-turn'))('calls: TURN credentials against coturn', () => {
  let coturn: Coturn
  let t: TestApp

  beforeAll(async () => {
    coturn = await startCoturn(SECRET)
    t = await startTestApp({ overrides: { 'calls.turnUrls': coturn.url, 'calls.turnSecret': SECRET, 'calls.turnTtlSeconds': 300 } })
  })

  afterAll(async () => {
    await t?.close()
    coturn?.stop()
  })

  it('should allocate a relay with the credential from GET /calls/ice-servers, and refuse a forged one', async () => {
    const user = await createUser(t.url, 'turnuser')
    const res = await user.api.get('/calls/ice-servers')
    expect(res.status).toBe(200)
    const [turn] = res.body.iceServers
    expect(turn.urls).toEqual([coturn.url])

    const ok = allocate(coturn.port, turn.username, turn.credential)
    expect(ok.output).toMatch(/Total lost packets 0/)
    expect(ok.status).toBe(0)
    // someone else's user id under my password: the HMAC no longer matches
    const forged = allocate(coturn.port, turn.username.replace(user.id, '01ARZ3NDEKTSV4RRFFQ69G5FAV'), turn.credential)
    expect(forged.status).not.toBe(0)
    expect(forged.output).toMatch(/Cannot complete Allocation/)
  })
})
