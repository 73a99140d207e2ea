/**
 * `npm run bench [-- --scenario a,b|all] [--shape embedded,mysql,postgres] [--pairs 100]
 *   [--seconds 8] [--quick] [--skip-build] [--port 19000]`
 *
 * One invocation runs every scenario (bench/scenarios/index.ts) on every shape, JIM and the
 * baselines (bench/baselines/) interleaved, each target started fresh as its own process(es) on a
 * fresh database: `embedded` = 1 process on SQLite (+ memory broker for JIM); `mysql` / `postgres`
 * = 2 processes on that database + Redis, senders on the first and receivers on the second.
 * Prints the ratio table and the goals of issue 14, writes JSON + markdown to bench/out/ and the
 * p99-latency-vs-offered-rate chart to bench/out/latency-vs-rate.svg. The load generator is this
 * process: it shares the machine's cores with the servers (and the databases), so the numbers are
 * lower bounds of what a server with its own cores does.
 */
import { execSync } from 'node:child_process'
import { mkdirSync, writeFileSync } from 'node:fs'
import os from 'node:os'
import { parseArgs } from 'node:util'
import { evaluateGoals, goalTable, latencyChart, ratioTables } from './lib/report.js'
import { SHAPES, type ResultRow, type RunningTarget, type ScenarioContext, type Shape } from './lib/scenario.js'
import { startTarget } from './lib/targets.js'
import { SCENARIOS } from './scenarios/index.js'

const scenarioOptions = Object.fromEntries(
  SCENARIOS.flatMap((s) => Object.keys(s.options ?? {})).map((name) => [name, { type: 'string' as const }]),
)

const { values } = parseArgs({
  options: {
    ...scenarioOptions,
    scenario: { type: 'string', default: 'all' },
    shape: { type: 'string', default: SHAPES.join(',') },
    pairs: { type: 'string' },
    seconds: { type: 'string' },
    quick: { type: 'boolean', default: false },
    port: { type: 'string', default: '19000' },
    'skip-build': { type: 'boolean', default: false },
    help: { type: 'boolean', default: false },
  },
})

const started = performance.now()
const log = (message: string) => console.error(`[bench ${((performance.now() - started) / 1000).toFixed(0).padStart(4)} s] ${message}`)

function portAllocator(base: number): () => number {
  let n = 0
  // stay inside base..base+99 (stopped targets free their ports before the next one starts)
  return () => base + (n++ % 100)
}

/** targets started and not yet stopped: stopped on Ctrl-C and at the end of each scenario */
const running = new Set<RunningTarget>()
process.once('SIGINT', () => {
  log('interrupted: stopping the servers')
  void Promise.allSettled([...running].map((t) => t.stop())).then(() => process.exit(130))
})

async function main() {
  if (values.help) {
    for (const s of SCENARIOS) {
      console.log(`${s.name} (${s.shapes.join(', ')}): ${s.description}`)
      for (const [name, text] of Object.entries(s.options ?? {})) console.log(`    --${name}: ${text}`)
    }
    return
  }
  const quick = values.quick === true
  const wanted = String(values.scenario).split(',')
  const scenarios = SCENARIOS.filter((s) => wanted.includes('all') || wanted.includes(s.name))
  if (scenarios.length === 0) throw new Error(`no scenario matches --scenario ${values.scenario}; see --help`)
  const shapes = String(values.shape)
    .split(',')
    .map((s) => s.trim()) as Shape[]
  for (const s of shapes) if (!SHAPES.includes(s)) throw new Error(`unknown shape ${s} (embedded, mysql, postgres)`)
  if (!values['skip-build']) execSync('npm run build:packages --silent && npm run build:server --silent', { stdio: 'inherit' })

  const ports = portAllocator(Number(values.port))
  const rows: ResultRow[] = []
  const failures: string[] = []
  for (const shape of shapes) {
    for (const scenario of scenarios.filter((s) => s.shapes.includes(shape))) {
      const start = async (kind: RunningTarget['kind'], opts = {}) => {
        const target = await startTarget(kind, shape, ports, opts)
        const stop = target.stop
        running.add(target)
        target.stop = () => {
          running.delete(target)
          return stop()
        }
        return target
      }
      const ctx: ScenarioContext = {
        shape,
        pairs: Number(values.pairs ?? (quick ? 20 : 100)),
        seconds: Number(values.seconds ?? (quick ? 2 : 8)),
        quick,
        options: values,
        log: (m) => log(`${scenario.name} ${shape}: ${m}`),
        start,
        each: async (kinds, fn, opts) => {
          const out = []
          for (const kind of kinds) {
            ctx.log(`starting ${kind}`)
            const target = await start(kind, opts)
            try {
              out.push(...(await fn(target)))
            } finally {
              await target.stop()
            }
          }
          return out
        },
      }
      log(`${scenario.name} on ${shape}`)
      try {
        rows.push(...(await scenario.run(ctx)))
      } catch (err) {
        const msg = `${scenario.name} on ${shape} failed: ${err instanceof Error ? (err.stack ?? err.message) : String(err)}`
        log(msg)
        failures.push(msg)
      } finally {
        // whatever a scenario started with ctx.start and left running
        for (const t of [...running]) await t.stop().catch((err) => log(`stopping ${t.kind}: ${err}`))
      }
    }
  }

  const goals = evaluateGoals(
    scenarios.flatMap((s) => s.goals ?? []).filter((g) => shapes.includes(g.shape)),
    rows,
  )
  const commit = execSync('git rev-parse --short HEAD').toString().trim()
  const dirty = execSync('git status --porcelain --untracked-files=no').toString().trim() ? ' (uncommitted changes)' : ''
  const cpus = os.cpus()
  const machine = `${cpus.length} x ${cpus[0]?.model ?? 'cpu'}, ${Math.round(os.totalmem() / 2 ** 30)} GiB, node ${process.version}`
  const command = `npm run bench -- ${process.argv.slice(2).join(' ')}`.trim()
  const markdown = [
    `machine: ${machine}; commit ${commit}${dirty}; \`${command}\`; ${Math.round((performance.now() - started) / 1000)} s`,
    '',
    '### Goals (issue 14)',
    '',
    goalTable(goals, rows),
    '',
    '### Ratios',
    '',
    ratioTables(rows),
    ...(failures.length ? ['### Failures', '', ...failures.map((f) => '    ' + f.split('\n')[0])] : []),
  ].join('\n')
  const stamp = new Date().toISOString().replace(/[:.]/g, '-')
  mkdirSync('bench/out', { recursive: true })
  writeFileSync(
    `bench/out/bench-${stamp}.json`,
    JSON.stringify({ date: new Date().toISOString(), commit, machine, command, rows, goals, failures }, null, 2),
  )
  writeFileSync(`bench/out/bench-${stamp}.md`, markdown + '\n')
  if (rows.some((r) => r.scenario === 'direct-rest-rate')) {
    writeFileSync(
      'bench/out/latency-vs-rate.svg',
      latencyChart(rows, 'direct-rest-rate', 'Direct chat, REST sends: p99 send→deliver vs offered rate'),
    )
  }
  console.log(markdown)
  log(`written bench/out/bench-${stamp}.{json,md}`)
  if (failures.length) process.exitCode = 1
}

main().catch((err) => {
  console.error(err)
  process.exitCode = 1
})
