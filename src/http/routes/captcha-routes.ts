import type { FastifyInstance } from 'fastify'
import { Type } from 'typebox'
import type { TypeBoxTypeProvider } from '@fastify/type-provider-typebox'
import type { CaptchaService } from '../../domain/security/captcha-service.js'
import { toIso } from '../../shared/clock.js'
import { IsoTime, withErrors } from '../schemas/common.js'

export function registerCaptchaRoutes(app: FastifyInstance, deps: { captcha: CaptchaService }): void {
  const r = app.withTypeProvider<TypeBoxTypeProvider>()

  r.get(
    '/api/v1/auth/captcha',
    {
      config: { public: true },
      // a HEAD would draw and store a challenge nobody can read
      exposeHeadRoute: false,
      schema: {
        tags: ['auth'],
        summary: 'A fresh captcha challenge (single use, short-lived)',
        description:
          '`image` is an SVG as a `data:image/svg+xml;base64,...` URL, usable directly as an `<img src>`. ' +
          'Send the answer back as `captcha: {id: captchaId, answer}` with register/login. Rate limited per IP; ' +
          'while too many challenges are pending, 503 `auth.captcha_busy` with Retry-After.',
        security: [],
        response: withErrors({ 200: Type.Object({ captchaId: Type.String(), image: Type.String(), expiresAt: IsoTime }) }, [429, 503]),
      },
    },
    async (_request, reply) => {
      const c = await deps.captcha.issue()
      reply.header('cache-control', 'no-store')
      return { captchaId: c.captchaId, image: c.image, expiresAt: toIso(c.expiresAt)! }
    },
  )
}
