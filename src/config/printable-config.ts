import type { Config } from './config.js'

const SET = '[set]'

/** A URL with its password (if any) replaced by `[set]`; the rest stays readable for operators. */
export function maskUrlPassword(url: string): string {
  // by pattern, not `new URL`, so what was configured prints as written (no normalizing)
  return url.replace(/^([a-z][a-z0-9+.-]*:\/\/[^:@/?#]*:)[^@/?#]*@/i, `$1${SET}@`)
}

/**
 * The configuration as `jim config` prints it: every secret replaced by `[set]` (or '' when
 * unset), including passwords inside connection URLs, so the output can be pasted into a ticket.
 */
export function printableConfig(config: Config): unknown {
  const hidden = (value: string) => (value ? SET : '')
  return {
    ...config,
    secret: hidden(config.secret),
    storage: { ...config.storage, url: maskUrlPassword(config.storage.url) },
    redis: { ...config.redis, url: maskUrlPassword(config.redis.url) },
    metrics: { ...config.metrics, token: hidden(config.metrics.token) },
    smtp: { ...config.smtp, password: hidden(config.smtp.password) },
    calls: { ...config.calls, turnSecret: hidden(config.calls.turnSecret) },
  }
}
