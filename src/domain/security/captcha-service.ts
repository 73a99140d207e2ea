import { createHmac, randomBytes, randomInt, timingSafeEqual } from 'node:crypto'
import type { Clock } from '../../shared/clock.js'
import { loadOnUse } from '../../shared/load-on-use.js'
import { AppError } from '../errors.js'
import type { CaptchaStore } from './captcha-store.js'

/** One drawn challenge: the answer and the SVG showing it. */
export interface CaptchaChallenge {
  text: string
  svg: string
}

export type CaptchaGenerator = () => CaptchaChallenge

/** What a client sends back with register/login. */
export interface CaptchaAnswer {
  id: string
  answer: string
}

/** No 0/O, 1/I/L: the answer is compared case-insensitively, so only unambiguous glyphs. */
const ALPHABET = 'ABCDEFGHJKMNPQRSTUVWXYZ23456789'

type DrawSvg = (text: string, options: Record<string, unknown>) => string

/** svg-captcha with its font, loaded by the first captcha drawn (never while captchas are off) */
const svgCaptcha = loadOnUse<unknown>('svg-captcha')

/** svg-captcha drawing a crypto-random text (its own text generator uses Math.random). */
export function svgCaptchaGenerator(length = 5): CaptchaGenerator {
  return () => {
    const draw = svgCaptcha() as unknown as DrawSvg
    let text = ''
    for (let i = 0; i < length; i++) text += ALPHABET[randomInt(ALPHABET.length)]
    return { text, svg: draw(text, { noise: 3, color: false, width: 150, height: 50, fontSize: 52 }) }
  }
}

export interface CaptchaServiceOptions {
  store: CaptchaStore
  /** JIM_SECRET: answers are kept only as HMAC(secret, id, answer) */
  secret: string
  clock: Clock
  ttlMs: number
  generator?: CaptchaGenerator
}

/** Issues and checks single-use, short-lived captchas. Rate limiting is the route's job. */
export class CaptchaService {
  readonly #o: CaptchaServiceOptions
  #generate: CaptchaGenerator

  constructor(options: CaptchaServiceOptions) {
    this.#o = options
    this.#generate = options.generator ?? svgCaptchaGenerator()
  }

  /**
   * Replaces how challenges are drawn. In-process only (tests draw known answers through it);
   * nothing reachable over HTTP calls it.
   */
  useGenerator(generator: CaptchaGenerator): void {
    this.#generate = generator
  }

  /**
   * A new challenge; `image` is an `data:image/svg+xml;base64,...` URL usable as an `<img src>`.
   * Throws 503 `auth.captcha_busy` (with Retry-After) while the store is full.
   */
  async issue(): Promise<{ captchaId: string; image: string; expiresAt: number }> {
    const { text, svg } = this.#generate()
    const captchaId = randomBytes(16).toString('base64url')
    const expiresAt = this.#o.clock.now() + this.#o.ttlMs
    const put = await this.#o.store.put(captchaId, this.#digest(captchaId, text), expiresAt)
    if (!put.stored) {
      // fail closed: a full store refuses newcomers rather than voiding someone's pending challenge
      throw new AppError('auth.captcha_busy', undefined, { retryAfter: Math.ceil(put.retryAfterMs / 1000) })
    }
    return { captchaId, image: `data:image/svg+xml;base64,${Buffer.from(svg).toString('base64')}`, expiresAt }
  }

  /**
   * Checks an answer and uses the challenge up, right or wrong: a second try needs a new one.
   * Throws 422 `auth.captcha_required` without an answer, `auth.captcha_invalid` when wrong,
   * unknown or expired.
   */
  async verify(answer: CaptchaAnswer | undefined): Promise<void> {
    if (!answer) throw new AppError('auth.captcha_required')
    const stored = await this.#o.store.take(answer.id, this.#o.clock.now())
    if (!stored) throw new AppError('auth.captcha_invalid')
    const given = Buffer.from(this.#digest(answer.id, answer.answer), 'hex')
    const expected = Buffer.from(stored, 'hex')
    if (given.length !== expected.length || !timingSafeEqual(given, expected)) throw new AppError('auth.captcha_invalid')
  }

  #digest(id: string, answer: string): string {
    const normalized = answer.replace(/\s+/g, '').toUpperCase()
    return createHmac('sha256', this.#o.secret).update(`captcha\0${id}\0${normalized}`).digest('hex')
  }
}
