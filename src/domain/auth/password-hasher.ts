import { hash, verify } from '@node-rs/argon2'

/** Hashes and checks passwords. */
export interface PasswordHasher {
  hash(password: string): Promise<string>
  verify(hash: string, password: string): Promise<boolean>
}

/**
 * Argon2id. `owasp`: m=19 MiB, t=2, p=1 (the OWASP Password Storage Cheat Sheet minimum).
 * `test`: m=1 MiB, t=1, only accepted by the config loader when NODE_ENV=test, so suites with
 * hundreds of users stay fast. Hashes carry their parameters, so both verify either way.
 */
export function createPasswordHasher(profile: 'owasp' | 'test'): PasswordHasher {
  const options =
    profile === 'owasp' ? { memoryCost: 19456, timeCost: 2, parallelism: 1 } : { memoryCost: 1024, timeCost: 1, parallelism: 1 }
  return {
    hash: (password) => hash(password, options),
    verify: async (stored, password) => {
      try {
        return await verify(stored, password)
      } catch {
        return false
      }
    },
  }
}
