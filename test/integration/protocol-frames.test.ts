import type { Limits } from '@jim/protocol'
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { ApiClient, createUser } from '../helpers/api-client.js'
import { startTestApp, type TestApp } from '../helpers/test-app.js'
import { TestSocket } from '../helpers/ws-client.js'

describe('the wire contract at run time', () => {
  let t: TestApp
  beforeAll(async () => {
    t = await startTestApp({
      overrides: { 'messages.editWindowSeconds': 42, 'messages.recallWindowSeconds': 7, 'messages.maxTextLength': 300 },
    })
  })
  afterAll(() => t.close())

  it('should send the server limits in ready and in GET /config, to anyone', async () => {
    const anon = await new ApiClient(t.url).get<{ limits: Limits }>('/config')
    expect(anon.status).toBe(200)
    expect(anon.body.limits).toMatchObject({ editWindowSeconds: 42, recallWindowSeconds: 7, maxTextLength: 300, maxGroupMembers: 500 })
    const u = await createUser(t.url, 'limits')
    const s = await TestSocket.open(t.wsUrl, { token: u.token })
    expect(s.all('ready')[0]!.limits).toEqual(anon.body.limits)
    s.close()
  })

  it('should answer a frame of a wrong shape with request.invalid naming the field, echo its id or ref, and stay open', async () => {
    const u = await createUser(t.url, 'shape')
    const s = await TestSocket.open(t.wsUrl, { token: u.token })
    s.send({ type: 'typing', id: 'ty1' })
    const typing = await s.next('error')
    expect(typing).toMatchObject({ code: 'request.invalid', replyTo: 'ty1' })
    expect(
      invalidFields(typing)
        .map((e) => e.message)
        .join(),
    ).toContain('conversationId')

    s.send({ type: 'resume', id: 'r1', positions: { x: -1 } })
    const resume = await s.next('error')
    expect(resume).toMatchObject({ code: 'request.invalid', replyTo: 'r1' })
    expect(invalidFields(resume)[0]!.path).toBe('/positions/x')

    s.send({ type: 'message.send', ref: 'm1', conversationId: 'c', clientMsgId: 'ok', messageType: 'hologram', content: {} })
    const send = await s.next('error')
    expect(send).toMatchObject({ code: 'request.invalid', ref: 'm1' })
    expect(invalidFields(send)[0]!.path).toBe('/messageType')

    s.send({ type: 'teleport', ref: 'm2' })
    expect(await s.next('error')).toMatchObject({ code: 'request.invalid', ref: 'm2', details: { type: 'teleport' } })

    s.send({ type: 'ping', id: 1 })
    expect(await s.next('pong')).toEqual({ type: 'pong', id: 1 })
    s.close()
  })
})

/** The fields a `request.invalid` error names (its details are free-form in the protocol). */
function invalidFields(error: { details?: unknown }): Array<{ path: string; message: string }> {
  return (error.details as { errors: Array<{ path: string; message: string }> }).errors
}
