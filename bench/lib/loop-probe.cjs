/**
 * What holds JIM's event loop, for a bench run: preload it into the server with
 * `BENCH_NODE_ARGS="--require ./bench/lib/loop-probe.cjs" npm run bench -- …` (or `node --require` by hand).
 * Every second it appends to `$TMPDIR/jim-loop-probe-<pid>.log`: the event-loop delay at 1 ms
 * resolution (p50 / p99 / max, ms), GC pauses by kind, and the slowest synchronous pieces of that second,
 * summed by name: SQLite statements (better-sqlite3's run/get/all, by SQL text) and timer/immediate
 * callbacks (by function), each over 1 ms (`PROBE_SLOW_MS`). Wall-clock times: on a loaded machine they
 * include the time the process waited for a core. Main thread only (the checkpoint worker is skipped).
 */
/* eslint-disable */
const { isMainThread } = require('node:worker_threads')
if (isMainThread) start()

function start() {
  const { monitorEventLoopDelay, PerformanceObserver, constants } = require('node:perf_hooks')
  const { createRequire } = require('node:module')
  const { appendFileSync } = require('node:fs')
  const { join } = require('node:path')
  const { tmpdir } = require('node:os')
  const out = join(tmpdir(), `jim-loop-probe-${process.pid}.log`)
  const SLOW_MS = Number(process.env.PROBE_SLOW_MS ?? 1)
  const loop = monitorEventLoopDelay({ resolution: 1 })
  loop.enable()

  const gcKind = {
    [constants.NODE_PERFORMANCE_GC_MINOR]: 'scavenge',
    [constants.NODE_PERFORMANCE_GC_MAJOR]: 'mark-compact',
    [constants.NODE_PERFORMANCE_GC_INCREMENTAL]: 'incremental',
    [constants.NODE_PERFORMANCE_GC_WEAKCB]: 'weak',
  }
  let gc = {}
  new PerformanceObserver((list) => {
    for (const e of list.getEntries()) {
      const g = (gc[gcKind[e.detail?.kind] ?? 'other'] ??= { n: 0, ms: 0, max: 0 })
      g.n++
      g.ms += e.duration
      g.max = Math.max(g.max, e.duration)
    }
  }).observe({ entryTypes: ['gc'] })

  const slow = new Map()
  const timed = (label, fn, self, args) => {
    const t = process.hrtime.bigint()
    try {
      return fn.apply(self, args)
    } finally {
      const ms = Number(process.hrtime.bigint() - t) / 1e6
      if (ms > SLOW_MS) {
        const s = slow.get(label) ?? { n: 0, ms: 0, max: 0 }
        s.n++
        s.ms += ms
        s.max = Math.max(s.max, ms)
        slow.set(label, s)
      }
    }
  }

  try {
    const Database = createRequire(join(process.cwd(), 'dist/cli.js'))('better-sqlite3')
    const db = new Database(':memory:')
    const Statement = Object.getPrototypeOf(db.prepare('SELECT 1'))
    db.close()
    for (const m of ['run', 'get', 'all']) {
      const original = Statement[m]
      Statement[m] = function (...args) {
        return timed(`sql ${m} ${this.source.replace(/\s+/g, ' ').slice(0, 100)}`, original, this, args)
      }
    }
  } catch (err) {
    appendFileSync(out, `no SQLite timing: ${err}\n`)
  }
  for (const name of ['setTimeout', 'setInterval', 'setImmediate']) {
    const original = global[name]
    global[name] = function (fn, ...rest) {
      if (typeof fn !== 'function') return original.call(this, fn, ...rest)
      const label = `${name} ${fn.name || fn.toString().replace(/\s+/g, ' ').slice(0, 80)}`
      return original.call(
        this,
        function (...args) {
          return timed(label, fn, this, args)
        },
        ...rest,
      )
    }
  }

  const started = Date.now()
  const ms = (p) => Math.max(0, loop.percentile(p) / 1e6 - 1).toFixed(1)
  const report = () => {
    const gcs = Object.entries(gc).map(([k, v]) => `${k} ${v.n}x ${v.ms.toFixed(0)} ms (max ${v.max.toFixed(1)})`)
    const lines = [
      `t=${Math.round((Date.now() - started) / 1000)}s loop p50 ${ms(50)} p99 ${ms(99)} max ${ms(100)} ms | gc ${gcs.join(', ')}`,
    ]
    for (const [label, v] of [...slow].sort((a, b) => b[1].ms - a[1].ms).slice(0, 8))
      lines.push(`  ${v.n}x ${v.ms.toFixed(0)} ms (max ${v.max.toFixed(1)})  ${label}`)
    appendFileSync(out, lines.join('\n') + '\n')
    loop.reset()
    gc = {}
    slow.clear()
  }
  const timer = setInterval(report, 1000)
  timer.unref()
}
