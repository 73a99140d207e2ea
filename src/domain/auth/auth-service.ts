import type { Logger } from 'pino'
import { cleanDisplayText } from '../display-text.js'
import type { Broker } from '../broker.js'
import type { Clock } from '../../shared/clock.js'
import { newId } from '../../shared/ids.js'
import type { Store } from '../store.js'
import type { DomainEvents } from '../domain-events.js'
import { AppError } from '../errors.js'
import type { CaptchaAnswer } from '../security/captcha-service.js'
import type { AuthGuard } from '../security/login-guard.js'
import type { User } from '../users/user.js'
import { DuplicateUserError } from '../users/user-store.js'
import type { PasswordHasher } from './password-hasher.js'
import { checkPasswordStrength, PASSWORD_MAX_LENGTH } from './password-policy.js'
import type { Session } from './session.js'
import { SessionCache } from './session-cache.js'
import { hashToken, newToken } from './tokens.js'

export interface AuthServiceOptions {
  store: Store
  broker: Broker
  /** announces `user.registered` */
  events: DomainEvents
  hasher: PasswordHasher
  clock: Clock
  logger: Logger
  sessionTtlMs: number
  passwordMinLength: number
  passwordMinScore: number
  registrationOpenByDefault: boolean
  /** captcha, registration window and failed-login throttling (security capability); none: unguarded */
  guard?: AuthGuard
}

export interface Principal {
  user: User
  session: Session
}

export interface ClientInfo {
  ip: string
  userAgent: string
}

const USERNAME = /^[a-z0-9_.-]{3,32}$/

/** Accounts and sessions: register, log in and out, authenticate tokens, change passwords. */
export class AuthService {
  readonly #o: AuthServiceOptions
  readonly #cache: SessionCache
  /** hashed once, so an unknown username costs the same as a wrong password */
  #dummyHash: Promise<string> | null = null

  constructor(options: AuthServiceOptions) {
    this.#o = options
    this.#cache = new SessionCache(options.clock, 5000)
  }

  get cache(): SessionCache {
    return this.#cache
  }

  async isRegistrationOpen(): Promise<boolean> {
    const stored = await this.#o.store.settings.get('registration.open')
    return stored === null ? this.#o.registrationOpenByDefault : stored === 'true'
  }

  async register(
    input: { username: string; password: string; nickname?: string; email?: string },
    client: { ip: string; captcha?: CaptchaAnswer } = { ip: '' },
  ): Promise<User> {
    if (this.#o.guard) await this.#o.guard.beforeRegister(client)
    else if (!(await this.isRegistrationOpen())) throw new AppError('auth.registration_closed')
    const username = input.username.trim().toLowerCase()
    if (!USERNAME.test(username)) {
      throw new AppError('request.invalid', 'Usernames are 3-32 characters of a-z, 0-9, _ . -', {
        details: [{ field: 'username', problem: 'pattern' }],
      })
    }
    await this.#checkNewPassword(input.password, [username, input.nickname ?? '', input.email ?? ''])
    const user = await this.#o.store.users
      .create({
        id: newId(),
        username,
        nickname: (input.nickname !== undefined && cleanDisplayText(input.nickname)) || username,
        passwordHash: await this.#o.hasher.hash(input.password),
        // bound only by an e-mailed code (AccountService.offerEmailBinding): no enumeration
        email: null,
        role: 'user',
        createdAt: this.#o.clock.now(),
      })
      .catch((err: unknown) => {
        if (err instanceof DuplicateUserError) {
          throw new AppError(err.field === 'username' ? 'user.username_taken' : 'user.email_taken', undefined, { cause: err })
        }
        throw err
      })
    this.#o.logger.info({ event: 'user.registered', userId: user.id }, 'user registered')
    await this.#o.events.emit('user.registered', { userId: user.id })
    return user
  }

  /** Checks credentials; same error, and the same hashing work, for unknown user and wrong password. */
  async verifyCredentials(usernameInput: string, password: string): Promise<User> {
    const username = usernameInput.trim().toLowerCase()
    const found = USERNAME.test(username) ? await this.#o.store.users.findByUsernameWithSecret(username) : null
    const ok = found
      ? await this.#o.hasher.verify(found.passwordHash, password)
      : (await this.#o.hasher.verify(await this.#getDummyHash(), password), false)
    if (!found || !ok || found.state === 'deleted') throw new AppError('auth.invalid_credentials')
    if (found.state === 'disabled') throw new AppError('auth.account_disabled')
    const { passwordHash: _secret, ...user } = found
    return user
  }

  async login(
    username: string,
    password: string,
    client: ClientInfo & { captcha?: CaptchaAnswer },
  ): Promise<{ token: string; session: Session; user: User }> {
    if (password.length > PASSWORD_MAX_LENGTH) throw new AppError('auth.invalid_credentials')
    const attempt = { username: username.trim().toLowerCase(), ip: client.ip, captcha: client.captcha }
    const ticket = await this.#o.guard?.beforeLogin(attempt)
    let user: User
    try {
      user = await this.verifyCredentials(username, password)
    } catch (err) {
      if (err instanceof AppError && err.code === 'auth.invalid_credentials') await ticket?.failed()
      else await ticket?.abandon()
      throw err
    }
    await ticket?.succeeded()
    const token = newToken()
    const now = this.#o.clock.now()
    const session: Session = {
      id: newId(),
      userId: user.id,
      createdAt: now,
      expiresAt: now + this.#o.sessionTtlMs,
      revokedAt: null,
      lastSeenAt: now,
      userAgent: client.userAgent,
      ip: client.ip,
    }
    await this.#o.store.sessions.create({ ...session, tokenSha256: hashToken(token) })
    this.#o.logger.info({ event: 'session.created', userId: user.id, sessionId: session.id }, 'logged in')
    return { token, session, user }
  }

  /** The user and session behind a bearer token, or AppError `auth.invalid_token`. */
  async authenticate(token: string): Promise<Principal> {
    const tokenHash = hashToken(token)
    const now = this.#o.clock.now()
    const cached = this.#cache.get(tokenHash)
    if (cached) {
      if (cached.session.expiresAt <= now) throw new AppError('auth.invalid_token')
      return cached
    }
    const session = await this.#o.store.sessions.findActiveByTokenHash(tokenHash, now)
    if (!session) throw new AppError('auth.invalid_token')
    const user = await this.#o.store.users.findById(session.userId)
    if (!user || user.state !== 'active') throw new AppError('auth.invalid_token')
    // last_seen is for the devices list; a minute of precision is enough
    if (now - session.lastSeenAt > 60_000) {
      await this.#o.store.sessions.touch(session.id, now)
      session.lastSeenAt = now
    }
    const principal = { user, session }
    this.#cache.set(tokenHash, principal)
    return principal
  }

  async logout(session: Session): Promise<void> {
    await this.revokeSessions(session.userId, [session.id], 'logout')
  }

  /** Revokes sessions and tells every instance to forget them and close their sockets. */
  async revokeSessions(userId: string, sessionIds: string[], reason: string): Promise<string[]> {
    const now = this.#o.clock.now()
    const revoked: string[] = []
    for (const id of sessionIds) if (await this.#o.store.sessions.revoke(id, now)) revoked.push(id)
    if (revoked.length > 0) await this.#publishRevoked(userId, revoked, reason)
    return revoked
  }

  async revokeAllSessions(userId: string, reason: string, exceptSessionId?: string): Promise<string[]> {
    const revoked = await this.#o.store.sessions.revokeAllForUser(userId, this.#o.clock.now(), exceptSessionId)
    if (revoked.length > 0) await this.#publishRevoked(userId, revoked, reason)
    return revoked
  }

  async listSessions(userId: string): Promise<Session[]> {
    return this.#o.store.sessions.listActive(userId, this.#o.clock.now())
  }

  /** Revokes one of the caller's own sessions; someone else's is "not found". */
  async revokeOwnSession(userId: string, sessionId: string): Promise<void> {
    const session = await this.#o.store.sessions.findById(sessionId)
    if (!session || session.userId !== userId || session.revokedAt !== null) throw new AppError('session.not_found')
    await this.revokeSessions(userId, [sessionId], 'signed_out_by_user')
  }

  async changePassword(principal: Principal, currentPassword: string, newPassword: string): Promise<void> {
    const found = await this.#o.store.users.findByIdWithSecret(principal.user.id)
    if (!found) throw new AppError('auth.invalid_token')
    const ok = currentPassword.length <= PASSWORD_MAX_LENGTH && (await this.#o.hasher.verify(found.passwordHash, currentPassword))
    if (!ok) throw new AppError('auth.wrong_password')
    await this.#checkNewPassword(newPassword, [found.username, found.nickname, found.email ?? ''])
    await this.#o.store.users.setPasswordHash(found.id, await this.#o.hasher.hash(newPassword), this.#o.clock.now())
    await this.revokeAllSessions(found.id, 'password_changed', principal.session.id)
    this.#o.logger.info({ event: 'user.password_changed', userId: found.id }, 'password changed')
  }

  /** Throws 422 `auth.wrong_password` unless `password` is the user's current one. */
  async confirmPassword(userId: string, password: string): Promise<void> {
    const found = await this.#o.store.users.findByIdWithSecret(userId)
    if (!found) throw new AppError('user.not_found')
    const ok = password.length <= PASSWORD_MAX_LENGTH && (await this.#o.hasher.verify(found.passwordHash, password))
    if (!ok) throw new AppError('auth.wrong_password')
  }

  /** Throws `request.invalid` or 422 `auth.weak_password` unless `password` would be accepted for `user`. */
  checkNewPassword(password: string, user: Pick<User, 'username' | 'nickname' | 'email'>): Promise<void> {
    return this.#checkNewPassword(password, [user.username, user.nickname, user.email ?? ''])
  }

  /** Sets a new password without the old one (reset by an e-mailed code) and signs every device out. */
  async resetPassword(userId: string, newPassword: string): Promise<void> {
    const user = await this.#o.store.users.findById(userId)
    if (!user) throw new AppError('user.not_found')
    await this.checkNewPassword(newPassword, user)
    await this.#o.store.users.setPasswordHash(userId, await this.#o.hasher.hash(newPassword), this.#o.clock.now())
    await this.revokeAllSessions(userId, 'password_reset')
    this.#o.logger.info({ event: 'user.password_reset', userId }, 'password reset by e-mail code')
  }

  async #checkNewPassword(password: string, userInputs: string[]): Promise<void> {
    if (password.length > PASSWORD_MAX_LENGTH) {
      throw new AppError('request.invalid', `Passwords are at most ${PASSWORD_MAX_LENGTH} characters.`, {
        details: [{ field: 'password', problem: 'too_long' }],
      })
    }
    await checkPasswordStrength(password, {
      minLength: this.#o.passwordMinLength,
      minScore: this.#o.passwordMinScore,
      userInputs: userInputs.filter(Boolean),
    })
  }

  async #publishRevoked(userId: string, sessionIds: string[], reason: string): Promise<void> {
    this.#o.logger.info({ event: 'session.revoked', userId, sessionIds, reason }, 'sessions revoked')
    await this.#o.broker.publish({ kind: 'sessions.revoked', userId, sessionIds, reason })
  }

  #getDummyHash(): Promise<string> {
    // a refused first try (hashing queue full) must not be remembered
    this.#dummyHash ??= this.#o.hasher.hash('not-a-real-password-' + newId()).catch((err: unknown) => {
      this.#dummyHash = null
      throw err
    })
    return this.#dummyHash
  }
}
