import type { Goal, ResultRow, TargetKind } from './scenario.js'

/** Metrics shown in the ratio table, in order, with how to read them. */
export const TABLE_METRICS: Array<{ name: string; label: string; higherIsBetter: boolean }> = [
  { name: 'msgPerSec', label: 'stored+delivered msg/s', higherIsBetter: true },
  { name: 'deliveriesPerSec', label: 'deliveries/s', higherIsBetter: true },
  { name: 'cpuUsPerMsg', label: 'server CPU µs/msg', higherIsBetter: false },
  { name: 'p50Ms', label: 'p50 ms', higherIsBetter: false },
  { name: 'p95Ms', label: 'p95 ms', higherIsBetter: false },
  { name: 'p99Ms', label: 'p99 ms', higherIsBetter: false },
  { name: 'rssPeakMiB', label: 'RSS peak MiB', higherIsBetter: false },
  { name: 'rssAvgMiB', label: 'RSS avg MiB', higherIsBetter: false },
  { name: 'eventLoopP99Ms', label: 'event loop p99 ms', higherIsBetter: false },
]

const BASELINES: Array<Exclude<TargetKind, 'jim'>> = ['least-code', 'socketio', 'ws-broadcast']

const groupKey = (r: Pick<ResultRow, 'scenario' | 'shape' | 'offered'>) => `${r.scenario}|${r.shape}|${r.offered ?? ''}`

export function fmt(n: number | undefined): string {
  if (n === undefined || !Number.isFinite(n)) return '–'
  const abs = Math.abs(n)
  if (abs >= 1000) return Math.round(n).toLocaleString('en-US')
  if (abs >= 100) return n.toFixed(0)
  if (abs >= 10) return n.toFixed(1)
  return n.toFixed(2)
}

function find(rows: ResultRow[], key: string, target: TargetKind): ResultRow | undefined {
  return rows.find((r) => groupKey(r) === key && r.target === target)
}

/**
 * One markdown table per (scenario, shape, offered rate) that has a JIM row: each metric for
 * JIM and the baselines that ran, and JIM / baseline.
 */
export function ratioTables(rows: ResultRow[]): string {
  const out: string[] = []
  const keys = [...new Set(rows.filter((r) => r.target === 'jim').map(groupKey))]
  for (const key of keys) {
    const jim = find(rows, key, 'jim')!
    const baselines = BASELINES.map((b) => [b, find(rows, key, b)] as const).filter(([, r]) => r !== undefined) as Array<
      [TargetKind, ResultRow]
    >
    const title = `${jim.scenario}, ${jim.shape}${jim.offered ? `, offered ${jim.offered} msg/s` : ''}`
    out.push(`#### ${title}`, '')
    if (jim.note && Object.keys(jim.metrics).length === 0) {
      out.push(`JIM: ${jim.note}`, '')
      continue
    }
    const header = ['metric', 'JIM', ...baselines.map(([b]) => b), ...baselines.map(([b]) => `JIM / ${b}`)]
    out.push(`| ${header.join(' | ')} |`, `|${header.map((_, i) => (i === 0 ? '---' : '---:')).join('|')}|`)
    const known = new Set(TABLE_METRICS.map((m) => m.name))
    const extra = Object.keys(jim.metrics)
      .filter((name) => !known.has(name))
      .map((name) => ({ name, label: name }))
    for (const m of [...TABLE_METRICS, ...extra]) {
      const j = jim.metrics[m.name]
      if (j === undefined && baselines.every(([, r]) => r.metrics[m.name] === undefined)) continue
      const values = baselines.map(([, r]) => fmt(r.metrics[m.name]))
      const ratios = baselines.map(([, r]) => {
        const b = r.metrics[m.name]
        return j !== undefined && b !== undefined && b !== 0 ? `${fmt(j / b)}x` : '–'
      })
      out.push(`| ${[m.label, fmt(j), ...values, ...ratios].join(' | ')} |`)
    }
    const corr = [['JIM', jim] as const, ...baselines]
      .filter(([, r]) => r.correctness)
      .map(
        ([name, r]) =>
          `${name}: ${r.correctness!.lost} lost, ${r.correctness!.duplicated} duplicated, ${r.correctness!.gaps} gaps, ${r.correctness!.errors} errors`,
      )
    if (corr.length) out.push('', `correctness: ${corr.join('; ')}`)
    const notes = [['JIM', jim] as const, ...baselines].filter(([, r]) => r.note).map(([name, r]) => `${name}: ${r.note}`)
    if (notes.length) out.push('', `notes: ${notes.join('; ')}`)
    out.push('')
  }
  return out.join('\n')
}

export interface GoalResult {
  goal: Goal
  jim?: number
  baseline?: number
  /** the compared figure: jim / baseline, or jim itself */
  value?: number
  met?: boolean
}

export function evaluateGoals(goals: Goal[], rows: ResultRow[]): GoalResult[] {
  return goals.map((goal) => {
    const key = groupKey(goal)
    const jim = find(rows, key, 'jim')?.metrics[goal.metric]
    const baseline = goal.versus ? find(rows, key, goal.versus)?.metrics[goal.metric] : undefined
    const value = goal.versus ? (jim !== undefined && baseline ? jim / baseline : undefined) : jim
    const met = value === undefined || !Number.isFinite(value) ? undefined : goal.op === '>=' ? value >= goal.value : value <= goal.value
    return { goal, jim, baseline, value: value !== undefined && Number.isFinite(value) ? value : undefined, met }
  })
}

/** The goals table; every run also gets a correctness goal row per target that reported it. */
export function goalTable(results: GoalResult[], rows: ResultRow[]): string {
  const out = ['| goal | JIM | baseline | measured | target | |', '|---|---:|---:|---:|---:|---|']
  for (const r of results) {
    const target = `${r.goal.op} ${r.goal.versus ? `${r.goal.value}x ${r.goal.versus}` : r.goal.value}`
    const status = r.met === undefined ? 'not measured' : r.met ? 'met' : '**not met**'
    out.push(
      `| ${r.goal.label} | ${fmt(r.jim)} | ${r.goal.versus ? fmt(r.baseline) : ''} | ${r.goal.versus && r.value !== undefined ? `${fmt(r.value)}x` : fmt(r.value)} | ${target} | ${status} |`,
    )
  }
  const checked = rows.filter((r) => r.correctness)
  const bad = checked.filter((r) => r.correctness!.lost + r.correctness!.duplicated + r.correctness!.gaps > 0)
  const jimBad = bad.filter((r) => r.target === 'jim')
  out.push(
    `| every run: 0 lost, 0 duplicated, seq gapless (JIM, ${checked.filter((r) => r.target === 'jim').length} rows) | ${jimBad.length} bad | | | 0 | ${jimBad.length ? '**not met**' : 'met'} |`,
  )
  if (bad.length > jimBad.length)
    out.push(
      '',
      `baselines with correctness problems: ${bad
        .filter((r) => r.target !== 'jim')
        .map((r) => `${r.target} ${groupKey(r)}`)
        .join(', ')}`,
    )
  return out.join('\n')
}

const COLORS: Record<TargetKind, string> = { jim: '#d62728', 'least-code': '#1f77b4', socketio: '#2ca02c', 'ws-broadcast': '#9467bd' }

/**
 * A hand-written SVG line chart of p99 latency (log scale) against the offered rate (log scale),
 * one line per target and shape, from the fixed-rate rows of `scenario`.
 */
export function latencyChart(rows: ResultRow[], scenario: string, title: string): string {
  const points = rows.filter((r) => r.scenario === scenario && r.offered && r.metrics.p99Ms !== undefined && r.metrics.p99Ms > 0)
  const W = 720
  const H = 420
  const m = { left: 70, right: 200, top: 40, bottom: 50 }
  const rates = [...new Set(points.map((p) => p.offered!))].sort((a, b) => a - b)
  const lat = points.map((p) => p.metrics.p99Ms!)
  const yMin = 10 ** Math.floor(Math.log10(Math.min(...lat, 1)))
  const yMax = 10 ** Math.ceil(Math.log10(Math.max(...lat, 10)))
  const xMin = Math.log2(rates[0] ?? 1)
  const xMax = Math.log2(rates.at(-1) ?? 2)
  const x = (rate: number) => m.left + ((Math.log2(rate) - xMin) / (xMax - xMin || 1)) * (W - m.left - m.right)
  const y = (ms: number) =>
    H - m.bottom - ((Math.log10(ms) - Math.log10(yMin)) / (Math.log10(yMax) - Math.log10(yMin))) * (H - m.top - m.bottom)
  const esc = (s: string) => s.replace(/&/g, '&amp;').replace(/</g, '&lt;')
  const parts: string[] = [
    `<svg xmlns="http://www.w3.org/2000/svg" width="${W}" height="${H}" viewBox="0 0 ${W} ${H}" font-family="sans-serif" font-size="12">`,
    `<rect width="${W}" height="${H}" fill="white"/>`,
    `<text x="${W / 2 - m.right / 2}" y="22" text-anchor="middle" font-size="14">${esc(title)}</text>`,
  ]
  for (let v = yMin; v <= yMax; v *= 10) {
    parts.push(
      `<line x1="${m.left}" x2="${W - m.right}" y1="${y(v)}" y2="${y(v)}" stroke="#ddd"/>`,
      `<text x="${m.left - 6}" y="${y(v) + 4}" text-anchor="end">${v >= 1 ? v : v.toFixed(Math.round(-Math.log10(v)))} ms</text>`,
    )
  }
  for (const r of rates) {
    parts.push(
      `<line x1="${x(r)}" x2="${x(r)}" y1="${m.top}" y2="${H - m.bottom}" stroke="#eee"/>`,
      `<text x="${x(r)}" y="${H - m.bottom + 16}" text-anchor="middle">${r}</text>`,
    )
  }
  parts.push(
    `<text x="${(m.left + W - m.right) / 2}" y="${H - 12}" text-anchor="middle">offered rate, msg/s</text>`,
    `<text transform="translate(16 ${(m.top + H - m.bottom) / 2}) rotate(-90)" text-anchor="middle">p99 send→deliver</text>`,
    `<rect x="${m.left}" y="${m.top}" width="${W - m.left - m.right}" height="${H - m.top - m.bottom}" fill="none" stroke="#888"/>`,
  )
  const series = [...new Set(points.map((p) => `${p.target}|${p.shape}`))]
  series.forEach((s, i) => {
    const [target, shape] = s.split('|') as [TargetKind, string]
    const pts = points.filter((p) => p.target === target && p.shape === shape).sort((a, b) => a.offered! - b.offered!)
    const dash = shape === 'embedded' ? '' : shape === 'mysql' ? ' stroke-dasharray="6 3"' : ' stroke-dasharray="2 3"'
    const color = COLORS[target]
    parts.push(
      `<polyline fill="none" stroke="${color}" stroke-width="2"${dash} points="${pts.map((p) => `${x(p.offered!).toFixed(1)},${y(p.metrics.p99Ms!).toFixed(1)}`).join(' ')}"/>`,
    )
    for (const p of pts)
      parts.push(`<circle cx="${x(p.offered!).toFixed(1)}" cy="${y(p.metrics.p99Ms!).toFixed(1)}" r="3" fill="${color}"/>`)
    const ly = m.top + 10 + i * 18
    parts.push(
      `<line x1="${W - m.right + 12}" x2="${W - m.right + 40}" y1="${ly}" y2="${ly}" stroke="${color}" stroke-width="2"${dash}/>`,
      `<text x="${W - m.right + 46}" y="${ly + 4}">${esc(`${target === 'jim' ? 'JIM' : target} (${shape})`)}</text>`,
    )
  })
  parts.push('</svg>')
  return parts.join('\n') + '\n'
}
