import { describe, expect, it } from 'vitest'
import { createUser } from '../helpers/api-client.js'
import { startTestApp } from '../helpers/test-app.js'
import { TestSocket } from '../helpers/ws-client.js'

describe('closing the app', () => {
  it('should close every socket with 1001 (going away) so clients reconnect elsewhere', async () => {
    const t = await startTestApp()
    const user = await createUser(t.url, 'drain')
    const socks = await Promise.all([0, 1].map(() => TestSocket.open(t.wsUrl, { token: user.token })))
    await t.close()
    for (const s of socks) expect((await s.closed).code).toBe(1001)
  })
})
