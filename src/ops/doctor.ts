import type { Config } from '../config/config.js'
import { systemClock } from '../shared/clock.js'
import {
  checkDatabase,
  checkFiles,
  checkPublicUrl,
  checkRedisAndSecret,
  checkSecret,
  readSecret,
  type DoctorOptions,
  type Finding,
} from './doctor-checks.js'

/**
 * Every check `jim doctor` makes, in order: database (reachable, migrated, clock), Redis and
 * the secret's fingerprint, files store, public URL. (TURN settings are checked once JIM has them.)
 * The config itself was checked when it loaded: a bad value stops before this runs.
 */
export async function diagnose(config: Config, options: Partial<DoctorOptions> = {}): Promise<Finding[]> {
  const opts: DoctorOptions = { clock: systemClock, ...options }
  const secret = readSecret(config)
  return [
    {
      check: 'config',
      status: 'ok',
      detail: `valid (storage ${config.storage.driver}, broker ${config.broker.driver}, files ${config.files.driver})`,
    },
    ...(await checkDatabase(config, opts)),
    ...(await checkRedisAndSecret(config, secret)),
    ...checkSecret(config, secret),
    ...checkFiles(config, opts),
    ...checkPublicUrl(config),
  ]
}

/** `jim doctor`: prints each finding and what to fix; exit code 1 when something is broken. */
export async function runDoctor(config: Config, options: Partial<DoctorOptions> = {}): Promise<number> {
  const findings = await diagnose(config, options)
  const mark = { ok: 'ok  ', warn: 'WARN', fail: 'FAIL' }
  for (const f of findings) {
    console.log(`${mark[f.status]} ${f.check.padEnd(10)} ${f.detail}`)
    if (f.fix) console.log(`     ${''.padEnd(10)} fix: ${f.fix}`)
  }
  const broken = findings.filter((f) => f.status === 'fail').length
  console.log(broken ? `${broken} problem(s) to fix` : 'no problems found')
  return broken ? 1 : 0
}
