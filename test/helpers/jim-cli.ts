import { execFile } from 'node:child_process'
import { promisify } from 'node:util'

const run = promisify(execFile)

export interface CliResult {
  code: number
  stdout: string
  stderr: string
}

/**
 * Runs `jim <args>` from the sources in a child process with only the given environment. With
 * `killAfterMs`, a process still running then is killed and reported as `hung` (a command that
 * should have ended).
 */
export function jim(args: string[], env: Record<string, string> = {}, options: { killAfterMs?: number } = {}): Promise<CliResult> {
  return run(process.execPath, ['--import', 'tsx', 'src/cli.ts', ...args], {
    env: { PATH: process.env.PATH, NODE_ENV: 'test', ...env },
    maxBuffer: 16 * 1024 * 1024,
    ...(options.killAfterMs ? { timeout: options.killAfterMs, killSignal: 'SIGKILL' as const } : {}),
  }).then(
    (r) => ({ code: 0, stdout: r.stdout, stderr: r.stderr }),
    (e: { code: number | null; killed?: boolean; stdout: string; stderr: string }) => ({
      code: e.killed ? -1 : (e.code ?? -1),
      stdout: e.stdout,
      stderr: e.killed ? `${e.stderr}\n(hung: killed after ${options.killAfterMs} ms)` : e.stderr,
    }),
  )
}
