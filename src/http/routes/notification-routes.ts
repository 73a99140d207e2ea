import type { FastifyInstance } from 'fastify'
import { Type } from 'typebox'
import type { TypeBoxTypeProvider } from '@fastify/type-provider-typebox'
import type { EmailDigest } from '../../domain/notifications/email-digest.js'
import type { NotificationService } from '../../domain/notifications/notification-service.js'
import { MAX_ENDPOINT_LENGTH } from '../../domain/notifications/push-endpoint.js'
import { principalOf } from '../auth-hook.js'
import { withErrors } from '../schemas/common.js'

const minuteOfDay = Type.Union([Type.Integer({ minimum: 0, maximum: 1439 }), Type.Null()])
const Settings = Type.Object({
  previews: Type.Boolean({ description: 'pushes show the message text (false: only "New message")' }),
  quietStart: Type.Union([minuteOfDay], { description: 'quiet hours start, minutes after midnight in timeZone; null: none' }),
  quietEnd: Type.Union([minuteOfDay], { description: 'quiet hours end (exclusive); may be before the start (overnight)' }),
  timeZone: Type.String({ minLength: 1, maxLength: 64, description: 'IANA zone, e.g. Asia/Shanghai' }),
  emailDigest: Type.Boolean({ description: 'e-mail a digest of messages left unread (needs a verified address)' }),
})
const SubscriptionBody = Type.Object({
  endpoint: Type.String({ minLength: 1, maxLength: MAX_ENDPOINT_LENGTH }),
  keys: Type.Object({ p256dh: Type.String({ maxLength: 128 }), auth: Type.String({ maxLength: 64 }) }),
})

/** Web Push devices, notification settings, and the e-mail digest's unsubscribe link. */
export function registerNotificationRoutes(app: FastifyInstance, deps: { notifications: NotificationService; digest: EmailDigest }): void {
  const r = app.withTypeProvider<TypeBoxTypeProvider>()
  const { notifications, digest } = deps
  const tags = ['notifications']

  r.get(
    '/api/v1/push/config',
    {
      schema: {
        tags,
        summary: "Whether Web Push is on, and the server's VAPID public key (applicationServerKey for pushManager.subscribe)",
        response: withErrors(
          { 200: Type.Object({ enabled: Type.Boolean(), vapidPublicKey: Type.Union([Type.String(), Type.Null()]) }) },
          [401],
        ),
      },
    },
    async () => notifications.pushConfig(),
  )

  r.post(
    '/api/v1/me/push-subscriptions',
    {
      schema: {
        tags,
        summary: "Register this device's push subscription (PushSubscription.toJSON()); it belongs to this session and ends with it",
        body: SubscriptionBody,
        response: withErrors({ 201: Type.Object({ id: Type.String() }) }, [400, 401, 404]),
      },
    },
    async (request, reply) => {
      const p = principalOf(request)
      const created = await notifications.subscribe(p.user.id, p.session.id, request.body)
      return reply.code(201).send(created)
    },
  )

  r.delete(
    '/api/v1/me/push-subscriptions/:id',
    {
      schema: {
        tags,
        summary: 'Stop pushes to one of my devices',
        params: Type.Object({ id: Type.String({ maxLength: 64 }) }),
        response: withErrors({ 204: Type.Null() }, [400, 401, 404]),
      },
    },
    async (request, reply) => {
      await notifications.unsubscribe(principalOf(request).user.id, request.params.id)
      return reply.code(204).send(null)
    },
  )

  r.get(
    '/api/v1/me/notification-settings',
    { schema: { tags, summary: 'My notification settings', response: withErrors({ 200: Settings }, [401]) } },
    async (request) => notifications.settings(principalOf(request).user.id),
  )

  r.patch(
    '/api/v1/me/notification-settings',
    {
      schema: {
        tags,
        summary: 'Change my notification settings (previews, quiet hours with time zone, mentions through mute, e-mail digest)',
        body: Type.Partial(Settings),
        response: withErrors({ 200: Settings }, [400, 401]),
      },
    },
    async (request) => notifications.updateSettings(principalOf(request).user.id, request.body),
  )

  // the e-mail's link: a GET opens a page, mail clients' one-click unsubscribe POSTs (RFC 8058)
  const unsubscribe = {
    config: { public: true },
    schema: {
      tags,
      summary: 'Turn the e-mail digest off from the signed link in a digest (no sign-in needed)',
      querystring: Type.Object({ u: Type.String({ maxLength: 64 }), s: Type.String({ maxLength: 128 }) }),
    },
  }
  r.get('/api/v1/notifications/unsubscribe', unsubscribe, async (request, reply) => {
    await digest.unsubscribe(request.query.u, request.query.s)
    return reply
      .type('text/html; charset=utf-8')
      .send(
        '<!doctype html><meta charset="utf-8"><title>JIM</title><p>You will get no more e-mail digests from JIM.</p><p>你将不再收到 JIM 的未读消息邮件。</p>',
      )
  })
  r.post('/api/v1/notifications/unsubscribe', unsubscribe, async (request, reply) => {
    await digest.unsubscribe(request.query.u, request.query.s)
    return reply.code(204).send(null)
  })
}
