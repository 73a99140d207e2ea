import { randomBytes } from 'node:crypto'
import { mkdirSync, readFileSync, writeFileSync } from 'node:fs'
import { join } from 'node:path'

/**
 * The signing secret: JIM_SECRET if set, else one generated once into `<dataDir>/secret`
 * (mode 0600) so restarts keep signed captchas and file URLs valid.
 */
export function resolveSecret(configured: string, dataDir: string): string {
  if (configured) return configured
  const file = join(dataDir, 'secret')
  try {
    return readFileSync(file, 'utf8').trim()
  } catch {
    mkdirSync(dataDir, { recursive: true })
    const secret = randomBytes(32).toString('base64url')
    try {
      writeFileSync(file, secret + '\n', { mode: 0o600, flag: 'wx' })
    } catch (err) {
      // another instance sharing the data dir wrote it first: use theirs
      if ((err as NodeJS.ErrnoException).code === 'EEXIST') return readFileSync(file, 'utf8').trim()
      throw err
    }
    return secret
  }
}

/** The config with `secret` resolved (JIM_SECRET, else the generated one); done once at startup. */
export function withResolvedSecret<T extends { secret: string; dataDir: string }>(config: T): Readonly<T> {
  if (config.secret) return config
  return Object.freeze({ ...config, secret: resolveSecret(config.secret, config.dataDir) })
}
