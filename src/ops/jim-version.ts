import { readFileSync } from 'node:fs'

let cached: string | undefined

/**
 * This build's version, from the package.json one level above `src/` or `dist/` (the
 * repository root, or the installed package's root).
 */
export function jimVersion(): string {
  cached ??= (JSON.parse(readFileSync(new URL('../../package.json', import.meta.url), 'utf8')) as { version: string }).version
  return cached
}
