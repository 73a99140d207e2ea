import { execFile, spawn } from 'node:child_process'
import { createHash } from 'node:crypto'
import { existsSync, mkdirSync, mkdtempSync, readFileSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { promisify } from 'node:util'
import { afterAll, describe, expect, it } from 'vitest'
import { eventually } from '../helpers/eventually.js'
import { freePort } from '../helpers/redis.js'

const run = promisify(execFile)
const root = join(import.meta.dirname, '..', '..')
const version = JSON.parse(readFileSync(join(root, 'package.json'), 'utf8')).version as string

// One test for the whole release path: it installs production dependencies from the npm cache or
// registry, so it is slow; CI builds dist/ before the tests (reused here, see --no-build).

/**
 * better-sqlite3's install takes a prebuilt addon, and compiles SQLite (minutes on a loaded CI
 * machine) only when it cannot download one, as in CI. The addon this checkout's `npm ci` already
 * built for this Node is offered as that prebuilt (prebuild-install's local prebuilds, looked up by
 * package version, Node ABI, platform and arch): what installs and runs is still the tarball with
 * npm's own resolution of its dependencies; another better-sqlite3 version finds no match and compiles.
 */
async function localSqlitePrebuild(into: string): Promise<Record<string, string>> {
  const pkg = join(root, 'node_modules', 'better-sqlite3')
  const addon = join('build', 'Release', 'better_sqlite3.node')
  if (!existsSync(join(pkg, addon))) return {}
  const sqliteVersion = JSON.parse(readFileSync(join(pkg, 'package.json'), 'utf8')).version as string
  mkdirSync(into, { recursive: true })
  const name = `better-sqlite3-v${sqliteVersion}-node-v${process.versions.modules}-${process.platform}-${process.arch}.tar.gz`
  await run('tar', ['-czf', join(into, name), '-C', pkg, addon])
  return { npm_config_better_sqlite3_local_prebuilds: into }
}
describe('the release tarball', { timeout: 900_000 }, () => {
  const dir = mkdtempSync(join(tmpdir(), 'jim-release-'))
  let server: ReturnType<typeof spawn> | undefined
  afterAll(() => {
    if (server?.pid && server.exitCode === null) process.kill(server.pid, 'SIGTERM')
  })

  it('should install into an empty prefix with npm and serve the web client and /healthz', async () => {
    const built = ['dist/cli.js', 'dist/web/index.html', 'packages/protocol/dist/index.js'].every((f) => existsSync(join(root, f)))
    await run(process.execPath, ['scripts/release.mjs', '--out', dir, ...(built ? ['--no-build'] : [])], { cwd: root, maxBuffer: 64 << 20 })
    const tarball = join(dir, `jim-${version}.tgz`)
    const sum = readFileSync(`${tarball}.sha256`, 'utf8')
    expect(sum).toBe(`${createHash('sha256').update(readFileSync(tarball)).digest('hex')}  jim-${version}.tgz\n`)
    expect(readFileSync(join(dir, `RELEASE-NOTES-${version}.md`), 'utf8')).toMatch(/^# JIM .*\n[\s\S]*\n- .+ \([0-9a-f]{7,}\)/)

    // what ships: the manifest and nothing beyond the files list (the protocol package is vendored inside dist/)
    const listing = (await run('tar', ['-tzf', tarball])).stdout.split('\n').filter(Boolean)
    expect(listing.filter((f) => !/^package\/(dist\/|assets\/|README\.md$|config\.example\.yml$|package\.json$|LICENSE$)/.test(f))).toEqual([])
    const manifest = JSON.parse((await run('tar', ['-xzOf', tarball, 'package/package.json'])).stdout)
    expect(manifest).toMatchObject({ name: 'jim', version, bin: { jim: 'dist/cli.js' } })
    expect(manifest.private).toBeUndefined()
    expect(manifest.devDependencies).toBeUndefined()
    expect(manifest.scripts).toBeUndefined()

    const prefix = join(dir, 'prefix')
    const install = await run('npm', ['install', '-g', '--prefix', prefix, tarball, '--prefer-offline', '--no-audit', '--no-fund'], {
      cwd: dir,
      maxBuffer: 64 << 20,
      env: { ...process.env, ...(await localSqlitePrebuild(join(dir, 'prebuilds'))) },
    })
    expect(install.stderr).not.toMatch(/EBADENGINE/)

    const port = await freePort()
    const data = join(dir, 'data')
    server = spawn(join(prefix, 'bin', 'jim'), ['serve'], {
      cwd: dir,
      env: { PATH: process.env.PATH, JIM_HOST: '127.0.0.1', JIM_PORT: String(port), JIM_DATA_DIR: data, JIM_LOG_LEVEL: 'warn' },
      stdio: 'ignore',
    })
    const base = `http://127.0.0.1:${port}`
    await eventually(async () => (await fetch(`${base}/healthz`).catch(() => null))?.ok === true, 'the installed jim serves /healthz', 120_000, 250)
    expect(await (await fetch(`${base}/healthz`)).json()).toMatchObject({ status: 'ok', version })
    const page = await fetch(`${base}/`)
    expect(page.status).toBe(200)
    expect(await page.text()).toMatch(/<script[^>]+src="\/assets\/[^"]+\.js"/)
  })
})
