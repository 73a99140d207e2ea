import type { FastifyInstance } from 'fastify'
import { Type } from 'typebox'
import type { TypeBoxTypeProvider } from '@fastify/type-provider-typebox'
import type { AuthService } from '../../domain/auth/auth-service.js'
import type { AccountService } from '../../domain/security/account-service.js'
import { principalOf } from '../auth-hook.js'
import { IsoTime, withErrors } from '../schemas/common.js'
import { CaptchaAnswer } from '../schemas/security-schemas.js'
import { Nickname, Password, SelfUser, Username } from '../schemas/user-schemas.js'
import { selfUserView } from '../views.js'

export function registerAuthRoutes(app: FastifyInstance, deps: { auth: AuthService; accounts: AccountService }): void {
  const r = app.withTypeProvider<TypeBoxTypeProvider>()
  const { auth } = deps

  r.post(
    '/api/v1/auth/register',
    {
      config: { public: true },
      schema: {
        tags: ['auth'],
        summary: 'Create an account',
        description:
          'An `email` is not bound on the spot: a code is e-mailed to it, and `POST /me/email/verify` binds it. ' +
          'The answer is the same whichever address is given, so it tells nobody which addresses have accounts.',
        body: Type.Object(
          {
            username: Username,
            password: Password,
            nickname: Type.Optional(Nickname),
            email: Type.Optional(Type.String({ format: 'email', maxLength: 254 })),
            captcha: Type.Optional(CaptchaAnswer),
          },
          { additionalProperties: false },
        ),
        response: withErrors({ 201: Type.Object({ user: SelfUser }) }, [400, 409, 422, 429, 503]),
      },
    },
    async (request, reply) => {
      const { captcha, ...input } = request.body
      const user = await auth.register(input, { ip: request.ip, captcha })
      if (input.email) deps.accounts.offerEmailBinding(user.id, input.email)
      return reply.code(201).send({ user: selfUserView(user) })
    },
  )

  r.post(
    '/api/v1/auth/login',
    {
      config: { public: true },
      schema: {
        tags: ['auth'],
        summary: 'Sign in and get a bearer token',
        body: Type.Object(
          { username: Type.String({ minLength: 1, maxLength: 64 }), password: Password, captcha: Type.Optional(CaptchaAnswer) },
          { additionalProperties: false },
        ),
        response: withErrors(
          { 200: Type.Object({ token: Type.String(), expiresAt: IsoTime, sessionId: Type.String(), user: SelfUser }) },
          [400, 401, 422, 429],
        ),
      },
    },
    async (request) => {
      const { token, session, user } = await auth.login(request.body.username, request.body.password, {
        ip: request.ip,
        userAgent: request.headers['user-agent'] ?? '',
        captcha: request.body.captcha,
      })
      return { token, expiresAt: new Date(session.expiresAt).toISOString(), sessionId: session.id, user: selfUserView(user) }
    },
  )

  r.post(
    '/api/v1/auth/logout',
    { schema: { tags: ['auth'], summary: 'Revoke this token and close its sockets', response: withErrors({ 204: Type.Null() }) } },
    async (request, reply) => {
      await auth.logout(principalOf(request).session)
      return reply.code(204).send(null)
    },
  )
}
