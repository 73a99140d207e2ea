import { spawn, type ChildProcess } from 'node:child_process'
import { mkdtempSync, rmSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { freePort } from './redis.js'

/**
 * One JIM server as a real child process (`node --import tsx src/cli.ts serve`), configured by
 * JIM_* environment variables only, as an operator would run it. For tests that kill (SIGKILL)
 * or stop (SIGTERM) an instance.
 */
export class InstanceProcess {
  readonly #child: ChildProcess
  readonly exited: Promise<{ code: number | null; signal: NodeJS.Signals | null }>
  readonly #dataDir: string
  #output = ''

  private constructor(
    child: ChildProcess,
    readonly port: number,
    dataDir: string,
  ) {
    this.#child = child
    this.#dataDir = dataDir
    child.stdout?.on('data', (d: Buffer) => this.#keep(d))
    child.stderr?.on('data', (d: Buffer) => this.#keep(d))
    this.exited = new Promise((resolve) => child.once('exit', (code, signal) => resolve({ code, signal })))
  }

  static async start(env: Record<string, string>): Promise<InstanceProcess> {
    const port = await freePort()
    const dataDir = mkdtempSync(join(tmpdir(), 'jim-proc-'))
    const child = spawn(process.execPath, ['--import', 'tsx', 'src/cli.ts', 'serve'], {
      cwd: process.cwd(),
      env: {
        PATH: process.env.PATH ?? '',
        NODE_ENV: 'test',
        JIM_HOST: '127.0.0.1',
        JIM_PORT: String(port),
        JIM_DATA_DIR: dataDir,
        JIM_AUTH_HASH_PROFILE: 'test',
        JIM_LOG_LEVEL: 'warn',
        JIM_RATE_LIMIT_REGISTER_PER_HOUR: '1000000',
        JIM_RATE_LIMIT_WS_CONNECTS_PER_MINUTE: '1000000',
        JIM_RATE_LIMIT_WS_CONNECTS_PER_MINUTE_PER_IP: '1000000',
        ...env,
      },
      stdio: ['ignore', 'pipe', 'pipe'],
    })
    return new InstanceProcess(child, port, dataDir)
  }

  get url(): string {
    return `http://127.0.0.1:${this.port}`
  }

  get wsUrl(): string {
    return `ws://127.0.0.1:${this.port}/api/v1/ws`
  }

  /** The server's process id (e.g. to read its memory from /proc). */
  get pid(): number {
    return this.#child.pid!
  }

  /** The last lines it printed (for failure messages). */
  get output(): string {
    return this.#output
  }

  /** Waits until /readyz answers 200. */
  async ready(timeoutMs = 90_000): Promise<void> {
    const deadline = Date.now() + timeoutMs
    for (;;) {
      if (this.#child.exitCode !== null) throw new Error(`instance exited with ${this.#child.exitCode}:\n${this.#output}`)
      try {
        if ((await fetch(`${this.url}/readyz`)).status === 200) return
      } catch {
        // not listening yet
      }
      if (Date.now() > deadline) throw new Error(`instance not ready within ${timeoutMs} ms:\n${this.#output}`)
      await new Promise((r) => setTimeout(r, 100))
    }
  }

  signal(signal: NodeJS.Signals): void {
    this.#child.kill(signal)
  }

  /** SIGKILL if still running, then removes its data dir. */
  async stop(): Promise<void> {
    if (this.#child.exitCode === null && this.#child.signalCode === null) {
      this.#child.kill('SIGKILL')
      await this.exited
    }
    rmSync(this.#dataDir, { recursive: true, force: true })
  }

  #keep(data: Buffer): void {
    this.#output = (this.#output + data.toString()).slice(-8000)
  }
}
