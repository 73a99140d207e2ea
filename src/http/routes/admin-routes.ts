import type { FastifyInstance, FastifyRequest } from 'fastify'
import { Type } from 'typebox'
import type { TypeBoxTypeProvider } from '@fastify/type-provider-typebox'
import type { AdminService } from '../../domain/admin/admin-service.js'
import { AppError } from '../../domain/errors.js'
import type { User } from '../../domain/users/user.js'
import { toIso } from '../../shared/clock.js'
import type { AuditEntry } from '../../domain/admin/audit-log-store.js'
import { principalOf } from '../auth-hook.js'
import { Id, IsoTime, Page, PageQuery, withErrors } from '../schemas/common.js'
import { AdminUser, AuditEntryView, RegistrationState } from '../schemas/security-schemas.js'

/**
 * preHandler for every `/api/v1/admin/...` route (other capabilities' admin routes use it too):
 * non-admins get 403 `auth.forbidden`.
 */
export async function adminOnly(request: FastifyRequest): Promise<void> {
  if (principalOf(request).user.role !== 'admin') throw new AppError('auth.forbidden', 'Only system admins may do this.')
}

export function adminUserView(user: User) {
  return {
    id: user.id,
    username: user.username,
    nickname: user.nickname,
    email: user.email,
    emailVerified: user.emailVerified,
    status: user.status,
    role: user.role,
    state: user.state,
    createdAt: toIso(user.createdAt)!,
    updatedAt: toIso(user.updatedAt)!,
  }
}

function auditView(entry: AuditEntry) {
  return { ...entry, createdAt: toIso(entry.createdAt)! }
}

const UserIdParams = Type.Object({ id: Id })
const Reason = Type.Object({ reason: Type.Optional(Type.String({ maxLength: 500 })) }, { additionalProperties: false })
const ERRORS = [400, 401, 403, 404, 409]

/** System administration: users, registration, audit log. Every change is audited. */
export function registerAdminRoutes(app: FastifyInstance, deps: { admin: AdminService }): void {
  const r = app.withTypeProvider<TypeBoxTypeProvider>()
  const { admin } = deps
  const tags = ['admin']

  r.get(
    '/api/v1/admin/users',
    {
      preValidation: adminOnly,
      schema: {
        tags,
        summary: 'List or search users of every state, newest first',
        querystring: Type.Object(
          {
            q: Type.Optional(Type.String({ minLength: 1, maxLength: 254, description: 'exact id or e-mail, or username/nickname prefix' })),
            state: Type.Optional(Type.Union([Type.Literal('active'), Type.Literal('disabled'), Type.Literal('deleted')])),
            ...PageQuery,
          },
          { additionalProperties: false },
        ),
        response: withErrors({ 200: Page(AdminUser) }, ERRORS),
      },
    },
    async (request) => {
      const page = await admin.listUsers({ ...request.query, limit: request.query.limit ?? 50 })
      return { items: page.items.map(adminUserView), nextCursor: page.nextCursor }
    },
  )

  r.get(
    '/api/v1/admin/users/:id',
    {
      preValidation: adminOnly,
      schema: { tags, summary: 'One user, any state', params: UserIdParams, response: withErrors({ 200: AdminUser }, ERRORS) },
    },
    async (request) => adminUserView(await admin.getUser(request.params.id)),
  )

  r.post(
    '/api/v1/admin/users/:id/disable',
    {
      preValidation: adminOnly,
      schema: {
        tags,
        summary: 'Disable a user: no login, every session revoked and socket closed now',
        params: UserIdParams,
        body: Type.Optional(Reason),
        response: withErrors({ 200: AdminUser }, ERRORS),
      },
    },
    async (request) => adminUserView(await admin.disableUser(principalOf(request).user, request.params.id, request.body?.reason)),
  )

  r.post(
    '/api/v1/admin/users/:id/enable',
    {
      preValidation: adminOnly,
      schema: {
        tags,
        summary: 'Enable a disabled user',
        params: UserIdParams,
        response: withErrors({ 200: AdminUser }, ERRORS),
      },
    },
    async (request) => adminUserView(await admin.enableUser(principalOf(request).user, request.params.id)),
  )

  r.delete(
    '/api/v1/admin/users/:id',
    {
      preValidation: adminOnly,
      schema: {
        tags,
        summary: 'Delete a user (as if they deleted themselves; audited)',
        params: UserIdParams,
        body: Type.Optional(Reason),
        response: withErrors({ 204: Type.Null() }, ERRORS),
      },
    },
    async (request, reply) => {
      await admin.deleteUser(principalOf(request).user, request.params.id, request.body?.reason)
      return reply.code(204).send(null)
    },
  )

  r.get(
    '/api/v1/admin/registration',
    {
      preValidation: adminOnly,
      schema: { tags, summary: 'Whether registration is open', response: withErrors({ 200: RegistrationState }, ERRORS) },
    },
    async () => registrationView(await admin.registration()),
  )

  r.patch(
    '/api/v1/admin/registration',
    {
      preValidation: adminOnly,
      schema: {
        tags,
        summary: 'Open or close registration, and set or clear (null) its window',
        body: Type.Object(
          {
            open: Type.Optional(Type.Boolean()),
            opensAt: Type.Optional(Type.Union([IsoTime, Type.Null()])),
            closesAt: Type.Optional(Type.Union([IsoTime, Type.Null()])),
          },
          { additionalProperties: false, minProperties: 1 },
        ),
        response: withErrors({ 200: RegistrationState }, ERRORS),
      },
    },
    async (request) => {
      const b = request.body
      const time = (v: string | null | undefined) => (v === undefined ? undefined : v === null ? null : Date.parse(v))
      const state = await admin.updateRegistration(principalOf(request).user, {
        open: b.open,
        opensAt: time(b.opensAt),
        closesAt: time(b.closesAt),
      })
      return registrationView(state)
    },
  )

  r.get(
    '/api/v1/admin/audit-log',
    {
      preValidation: adminOnly,
      schema: {
        tags,
        summary: 'Admin actions, newest first',
        querystring: Type.Object({ ...PageQuery }, { additionalProperties: false }),
        response: withErrors({ 200: Page(AuditEntryView) }, ERRORS),
      },
    },
    async (request) => {
      const page = await admin.auditLog({ cursor: request.query.cursor, limit: request.query.limit ?? 50 })
      return { items: page.items.map(auditView), nextCursor: page.nextCursor }
    },
  )
}

function registrationView(s: { open: boolean; opensAt: number | null; closesAt: number | null; openNow: boolean }) {
  return { open: s.open, opensAt: toIso(s.opensAt), closesAt: toIso(s.closesAt), openNow: s.openNow }
}
