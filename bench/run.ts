/**
 * `npm run bench [-- --scenario direct-chat|group-receipts|all] [--shape embedded,mysql,postgres]
 *   [--pairs 50] [--seconds 10] [--rate 1000] [--members 500]`
 *
 * Builds the server and starts it as separate processes, as an operator would (rate limits and
 * captcha off): `embedded` = one process on SQLite + memory broker; `mysql` / `postgres` = a
 * 2-instance cluster on the local MariaDB / PostgreSQL + Redis, with senders on one instance and
 * receivers on the other. Runs the scenarios from this process, prints JSON (also written to
 * bench/out/). Record notable runs in bench/RESULTS.md with the machine, commit and command.
 */
import { execSync } from 'node:child_process'
import { mkdirSync, writeFileSync } from 'node:fs'
import os from 'node:os'
import { parseArgs } from 'node:util'
import { dropDatabase } from '../src/store/sql/database.js'
import { startServer, type BenchServer } from './lib/server.js'
import { directChat } from './scenarios/direct-chat.js'
import { groupReceipts } from './scenarios/group-receipts.js'

const { values } = parseArgs({
  options: {
    scenario: { type: 'string', default: 'all' },
    shape: { type: 'string', default: 'embedded' },
    pairs: { type: 'string', default: '50' },
    seconds: { type: 'string', default: '10' },
    rate: { type: 'string', default: '1000' },
    members: { type: 'string', default: '500' },
    port: { type: 'string', default: '18790' },
    'skip-build': { type: 'boolean', default: false },
  },
})

type Shape = 'embedded' | 'mysql' | 'postgres'

/** Starts the servers of one shape; returns them and a cleanup for the database. */
async function startShape(
  shape: Shape,
  basePort: number,
  extraEnv: Record<string, string>,
): Promise<{ servers: BenchServer[]; cleanup: () => Promise<void> }> {
  if (shape === 'embedded') return { servers: [await startServer(basePort, extraEnv)], cleanup: async () => {} }
  const name = `jim_bench_${Date.now().toString(36)}`
  const url = shape === 'mysql' ? `mysql://root@127.0.0.1:3306/${name}` : `postgres://postgres@127.0.0.1:5432/${name}`
  const env = {
    ...extraEnv,
    JIM_STORAGE_DRIVER: shape,
    JIM_STORAGE_URL: url,
    JIM_STORAGE_POOL_SIZE: '20',
    JIM_BROKER_DRIVER: 'redis',
    JIM_REDIS_URL: 'redis://127.0.0.1:6379',
    JIM_REDIS_PREFIX: `${name}:`,
    JIM_FILES_DRIVER: 'sql',
    JIM_SECRET: 'bench-secret-shared-by-every-instance',
  }
  // the first instance creates and migrates the database before the second starts
  const first = await startServer(basePort, env)
  const second = await startServer(basePort + 1, env)
  return { servers: [first, second], cleanup: () => dropDatabase({ storage: { driver: shape, url, poolSize: 1 } }) }
}

async function withShape<T>(
  shape: Shape,
  port: number,
  env: Record<string, string>,
  run: (urls: string[], wsUrls: string[]) => Promise<T>,
): Promise<T> {
  const { servers, cleanup } = await startShape(shape, port, env)
  try {
    return await run(
      servers.map((s) => s.url),
      servers.map((s) => s.wsUrl),
    )
  } finally {
    for (const s of servers) await s.stop()
    await cleanup()
  }
}

async function main() {
  if (!values['skip-build']) execSync('npm run build:server --silent', { stdio: 'inherit' })
  const commit = execSync('git rev-parse --short HEAD').toString().trim()
  const machine = `${os.cpus().length} x ${os.cpus()[0]?.model ?? 'cpu'}, ${Math.round(os.totalmem() / 2 ** 30)} GiB, node ${process.version}`
  const results: unknown[] = []
  const shapes = values.shape.split(',').map((s) => s.trim()) as Shape[]
  let port = Number(values.port)
  const wanted = values.scenario
  for (const shape of shapes) {
    const label =
      shape === 'embedded'
        ? 'embedded (sqlite + memory broker, 1 process)'
        : `cluster (2 instances, ${shape === 'mysql' ? 'MariaDB' : 'PostgreSQL'} + Redis)`
    if (wanted === 'all' || wanted === 'direct-chat') {
      results.push(
        await withShape(shape, (port += 2), {}, (urls, wsUrls) =>
          directChat({ urls, wsUrls, pairs: Number(values.pairs), seconds: Number(values.seconds), rate: Number(values.rate), label }),
        ),
      )
    }
    if (wanted === 'all' || wanted === 'group-receipts') {
      const env = { JIM_GROUPS_MAX_MEMBERS: String(Math.max(500, Number(values.members))) }
      results.push({
        label,
        ...(await withShape(shape, (port += 2), env, (urls, wsUrls) =>
          groupReceipts({ urls, wsUrls, members: Number(values.members), seconds: Number(values.seconds), senders: 5 }),
        )),
      })
    }
  }
  const report = {
    date: new Date().toISOString(),
    commit,
    machine,
    command: `npm run bench -- ${process.argv.slice(2).join(' ')}`.trim(),
    results,
  }
  mkdirSync('bench/out', { recursive: true })
  writeFileSync(`bench/out/bench-${Date.now()}.json`, JSON.stringify(report, null, 2))
  console.log(JSON.stringify(report, null, 2))
}

main().catch((err) => {
  console.error(err)
  process.exitCode = 1
})
