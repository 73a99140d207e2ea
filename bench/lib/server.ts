import { spawn, type ChildProcess } from 'node:child_process'
import { mkdtempSync, rmSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join } from 'node:path'

export interface BenchServer {
  url: string
  wsUrl: string
  process: ChildProcess
  stop(): Promise<void>
}

/**
 * Starts the built server (`dist/cli.js`) as its own process, as an operator would, with
 * rate limits and captcha off (and the cheap password hash: benches measure sends, not logins). Extra env (e.g. storage/broker drivers) is passed through.
 */
export async function startServer(
  port: number,
  env: Record<string, string> = {},
  /** `nodeArgs`: flags for node itself (e.g. --inspect for the profiler); `root`: the checkout whose dist/ runs */
  options: { nodeArgs?: string[]; root?: string } = {},
): Promise<BenchServer> {
  const dataDir = mkdtempSync(join(tmpdir(), 'jim-bench-'))
  // BENCH_NODE_ARGS='--cpu-prof --cpu-prof-dir=/tmp/prof' profiles every server a bench starts
  const nodeArgs = options.nodeArgs ?? process.env.BENCH_NODE_ARGS?.split(' ').filter(Boolean) ?? []
  const child = spawn(process.execPath, [...nodeArgs, join(options.root ?? '.', 'dist/cli.js'), 'serve'], {
    env: {
      PATH: process.env.PATH,
      JIM_PORT: String(port),
      JIM_HOST: '127.0.0.1',
      JIM_DATA_DIR: dataDir,
      JIM_RATE_LIMIT_ENABLED: 'false',
      JIM_CAPTCHA_MODE: 'off',
      // cheap password hashing, so setting up hundreds of users takes seconds (no send hashes)
      NODE_ENV: 'test',
      JIM_AUTH_HASH_PROFILE: 'test',
      JIM_LOG_LEVEL: process.env.BENCH_LOG_LEVEL ?? 'info',
      ...env,
    },
    stdio: ['ignore', 'ignore', 'inherit'],
  })
  const url = `http://127.0.0.1:${port}`
  // migrating a fresh MariaDB/PostgreSQL database on a busy machine can take a while
  const deadline = Date.now() + 180_000
  for (;;) {
    try {
      const res = await fetch(url + '/readyz')
      if (res.ok) break
    } catch {
      // not up yet
    }
    if (Date.now() > deadline || child.exitCode !== null) {
      child.kill('SIGKILL')
      rmSync(dataDir, { recursive: true, force: true })
      throw new Error(`server on ${port} did not start`)
    }
    await new Promise((r) => setTimeout(r, 200))
  }
  return {
    url,
    wsUrl: `ws://127.0.0.1:${port}/api/v1/ws`,
    process: child,
    stop: async () => {
      child.kill('SIGTERM')
      await new Promise((r) => child.once('exit', r))
      rmSync(dataDir, { recursive: true, force: true })
    },
  }
}
