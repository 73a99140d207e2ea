import type { Config } from '../config/config.js'
import { LogMailer } from '../adapters/mail/log-mailer.js'
import { SmtpMailer } from '../adapters/mail/smtp-mailer.js'
import { AdminService } from '../domain/admin/admin-service.js'
import { AuthService } from '../domain/auth/auth-service.js'
import { BoundedHasher } from '../domain/auth/bounded-hasher.js'
import { createPasswordHasher } from '../domain/auth/password-hasher.js'
import type { Broker } from '../domain/broker.js'
import type { DomainEvents } from '../domain/domain-events.js'
import { AccountService } from '../domain/security/account-service.js'
import { CaptchaService } from '../domain/security/captcha-service.js'
import { EmailCodeService } from '../domain/security/email-code-service.js'
import { LoginGuard } from '../domain/security/login-guard.js'
import type { Mailer } from '../domain/security/mailer.js'
import { RegistrationPolicy } from '../domain/security/registration-policy.js'
import type { Store } from '../domain/store.js'
import type { Clock } from '../shared/clock.js'
import type { Logger } from '../shared/logger.js'
import type { SharedState } from './shared-state.js'

export interface Security {
  captcha: CaptchaService
  registration: RegistrationPolicy
  auth: AuthService
  accounts: AccountService
  admin: AdminService
  /** closed with the app (SMTP holds a pool) */
  mailer: Mailer
}

export interface SecurityDeps {
  store: Store
  broker: Broker
  events: DomainEvents
  shared: Pick<SharedState, 'limiter' | 'captchas'>
  clock: Clock
  logger: Logger
}

/** Sign-in and accounts: captchas, failed-login throttling, the registration window, e-mail codes, administration. */
export function createSecurity(config: Config, deps: SecurityDeps): Security {
  const { store, broker, events, shared, clock, logger } = deps
  const captcha = new CaptchaService({
    store: shared.captchas,
    secret: config.secret,
    clock,
    ttlMs: config.captcha.ttlSeconds * 1000,
  })
  const registration = new RegistrationPolicy({ settings: store.settings, clock, config: config.registration })
  const guard = new LoginGuard({
    limiter: shared.limiter,
    captcha,
    registration,
    logger,
    mode: config.captcha.mode,
    limitsEnabled: config.rateLimit.enabled,
    captchaAfter: config.captcha.afterFailures,
    failuresPerIp: config.rateLimit.loginFailuresPerIp,
  })
  const auth = new AuthService({
    store,
    broker,
    events,
    hasher: new BoundedHasher(createPasswordHasher(config.auth.hashProfile), {
      concurrency: config.auth.hashConcurrency,
      maxQueued: config.auth.hashQueueMax,
    }),
    clock,
    logger,
    sessionTtlMs: config.auth.sessionTtlHours * 3600_000,
    passwordMinLength: config.auth.passwordMinLength,
    passwordMinScore: config.auth.passwordMinScore,
    registrationOpenByDefault: config.registration.open,
    guard,
  })
  const mailer = config.smtp.host ? new SmtpMailer(config.smtp) : new LogMailer(logger)
  const emailCodes = new EmailCodeService({
    codes: store.emailCodes,
    mailer,
    limiter: shared.limiter,
    limitsEnabled: config.rateLimit.enabled,
    secret: config.secret,
    clock,
    logger,
    ttlMs: config.email.codeTtlMinutes * 60_000,
    maxAttempts: config.email.codeMaxAttempts,
    sendsPerHour: config.rateLimit.emailPerHour,
    publicUrl: config.publicUrl,
  })
  const accounts = new AccountService({ store, broker, events, auth, emailCodes, clock, logger })
  const admin = new AdminService({ store, broker, auth, accounts, registration, clock, logger })
  return { captcha, registration, auth, accounts, admin, mailer }
}
