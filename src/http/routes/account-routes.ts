import type { FastifyInstance } from 'fastify'
import { Type } from 'typebox'
import type { TypeBoxTypeProvider } from '@fastify/type-provider-typebox'
import type { AccountService } from '../../domain/security/account-service.js'
import { toIso } from '../../shared/clock.js'
import { principalOf } from '../auth-hook.js'
import { IsoTime, withErrors } from '../schemas/common.js'
import { Email, EmailCode } from '../schemas/security-schemas.js'
import { Password, SelfUser } from '../schemas/user-schemas.js'
import { selfUserView } from '../views.js'

/** E-mail binding, password reset by e-mailed code, and deleting one's own account. */
export function registerAccountRoutes(app: FastifyInstance, deps: { accounts: AccountService }): void {
  const r = app.withTypeProvider<TypeBoxTypeProvider>()
  const { accounts } = deps

  r.post(
    '/api/v1/me/email',
    {
      schema: {
        tags: ['me'],
        summary: 'Bind or change my e-mail: sends a 6-digit code to it',
        body: Type.Object({ email: Email, password: Password }, { additionalProperties: false }),
        response: withErrors({ 202: Type.Object({ email: Type.String(), expiresAt: IsoTime }) }, [400, 401, 409, 422, 429, 503]),
      },
    },
    async (request, reply) => {
      const sent = await accounts.requestEmailChange(principalOf(request), request.body.email, request.body.password)
      return reply.code(202).send({ email: sent.email, expiresAt: toIso(sent.expiresAt)! })
    },
  )

  r.post(
    '/api/v1/me/email/verify',
    {
      schema: {
        tags: ['me'],
        summary: 'Confirm my e-mail with the code sent to it',
        body: Type.Object({ code: EmailCode }, { additionalProperties: false }),
        response: withErrors({ 200: SelfUser }, [400, 401, 409, 422, 429]),
      },
    },
    async (request) => selfUserView(await accounts.verifyEmail(principalOf(request).user.id, request.body.code)),
  )

  r.post(
    '/api/v1/auth/password-reset',
    {
      config: { public: true },
      schema: {
        tags: ['auth'],
        summary: 'Send a password reset code to a verified e-mail (same answer whether or not it exists)',
        security: [],
        body: Type.Object({ email: Email }, { additionalProperties: false }),
        response: withErrors({ 202: Type.Object({ message: Type.String() }) }, [400, 429]),
      },
    },
    async (request, reply) => {
      await accounts.requestPasswordReset(request.body.email)
      return reply.code(202).send({ message: 'If an account has this address verified, a code is on its way.' })
    },
  )

  r.post(
    '/api/v1/auth/password-reset/confirm',
    {
      config: { public: true },
      schema: {
        tags: ['auth'],
        summary: 'Set a new password with the e-mailed code (signs every device out)',
        security: [],
        body: Type.Object({ email: Email, code: EmailCode, newPassword: Password }, { additionalProperties: false }),
        response: withErrors({ 204: Type.Null() }, [400, 422, 429]),
      },
    },
    async (request, reply) => {
      await accounts.confirmPasswordReset(request.body.email, request.body.code, request.body.newPassword)
      return reply.code(204).send(null)
    },
  )

  r.delete(
    '/api/v1/me',
    {
      schema: {
        tags: ['me'],
        summary: 'Delete my account (needs my password); my messages stay, shown as from a deleted user',
        body: Type.Object({ password: Password }, { additionalProperties: false }),
        response: withErrors({ 204: Type.Null() }, [400, 401, 422, 429]),
      },
    },
    async (request, reply) => {
      await accounts.deleteOwnAccount(principalOf(request), request.body.password)
      return reply.code(204).send(null)
    },
  )
}
