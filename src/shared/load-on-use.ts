import { createRequire } from 'node:module'

const require = createRequire(import.meta.url)

/**
 * A CommonJS package loaded the first time it is used instead of at startup: the drivers of the
 * databases and services a deployment does not use (mysql2, pg, ioredis: ~20 MiB of RSS together
 * in an embedded server that needs none of them) and the captcha renderer while captchas are off
 * (svg-captcha with its font: ~9 MiB).
 */
export function loadOnUse<T>(name: string): () => T {
  let loaded: T | undefined
  return () => (loaded ??= require(name) as T)
}
