import { Type } from 'typebox'
import { Id, IsoTime } from './common.js'
import { Status } from './user-schemas.js'

/** A solved captcha, sent with register/login when one is required. */
export const CaptchaAnswer = Type.Object(
  {
    id: Type.String({ minLength: 1, maxLength: 64, description: 'captchaId from GET /auth/captcha' }),
    answer: Type.String({ minLength: 1, maxLength: 16, description: 'the characters in the image (case-insensitive)' }),
  },
  { additionalProperties: false },
)

export const Email = Type.String({ format: 'email', maxLength: 254 })

export const EmailCode = Type.String({ pattern: '^[0-9]{6}$', description: 'the 6-digit code from the e-mail' })

/** A user as admins see it: every state, with the e-mail address. */
export const AdminUser = Type.Object({
  id: Id,
  username: Type.String(),
  nickname: Type.String(),
  email: Type.Union([Type.String(), Type.Null()]),
  emailVerified: Type.Boolean(),
  status: Status,
  role: Type.Union([Type.Literal('user'), Type.Literal('admin')]),
  state: Type.Union([Type.Literal('active'), Type.Literal('disabled'), Type.Literal('deleted')]),
  createdAt: IsoTime,
  updatedAt: IsoTime,
})

export const RegistrationState = Type.Object({
  open: Type.Boolean({ description: 'the switch' }),
  opensAt: Type.Union([IsoTime, Type.Null()]),
  closesAt: Type.Union([IsoTime, Type.Null()]),
  openNow: Type.Boolean({ description: 'open and inside the window: what register sees now' }),
})

export const AuditEntryView = Type.Object({
  id: Id,
  actorId: Id,
  action: Type.String(),
  targetId: Type.Union([Type.String(), Type.Null()]),
  details: Type.Record(Type.String(), Type.Unknown()),
  createdAt: IsoTime,
})
