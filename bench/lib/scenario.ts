/**
 * The one interface every bench scenario implements, so `npm run bench` runs them all in one
 * invocation (JIM and the baselines interleaved, fresh processes and databases for each target).
 *
 * A scenario is `{ name, shapes, goals?, run(ctx) }`. `run` starts the targets it compares through
 * `ctx.each([...kinds], fn)` (each one started fresh, stopped after `fn`), measures, and returns rows.
 * Register a new scenario in `bench/scenarios/index.ts`.
 */

/** embedded = 1 process on SQLite + memory broker; mysql / postgres = 2 processes on that database + Redis */
export type Shape = 'embedded' | 'mysql' | 'postgres'
export const SHAPES: readonly Shape[] = ['embedded', 'mysql', 'postgres']

/**
 * jim = the built server (dist/cli.js); least-code = node:http + one transaction + ws push;
 * socketio = Express + Socket.IO (+ redis adapter); ws-broadcast = raw `ws` rooms (fan-out baseline).
 * The baselines are in bench/baselines/ (their HTTP/WS protocol is described at the top of each file).
 */
export type TargetKind = 'jim' | 'least-code' | 'socketio' | 'ws-broadcast'

export interface TargetInstance {
  /** HTTP base, e.g. http://127.0.0.1:19001 (JIM's API is under /api/v1) */
  url: string
  /** WebSocket URL (JIM: /api/v1/ws; least-code and ws-broadcast: /ws; socketio: the http base) */
  wsUrl: string
  pid: number
}

export interface RunningTarget {
  kind: TargetKind
  shape: Shape
  /** 1 for embedded, 2 (or StartOptions.instances) for the cluster shapes: senders use [0], receivers [1 % length] */
  instances: TargetInstance[]
  /** JIM only: where /metrics answers (one per instance) */
  metricsUrls: string[]
  stop(): Promise<void>
}

export interface StartOptions {
  /** extra environment for the JIM processes (e.g. JIM_GROUPS_MAX_MEMBERS) */
  env?: Record<string, string>
  /** cluster shapes, JIM only: how many instances (default 2) */
  instances?: number
  /** JIM only: the checkout whose dist/ runs (default: this one), to compare builds */
  root?: string
  /** cluster shapes, JIM only: another Redis than the shared 127.0.0.1:6379 (e.g. a private one, to count commands) */
  redisUrl?: string
}

export interface ScenarioContext {
  shape: Shape
  /** --pairs (default 100): pairs of friends in direct-chat scenarios; others may scale on it */
  pairs: number
  /** --seconds: length of a measuring phase (quick runs shorten it) */
  seconds: number
  quick: boolean
  /** every command-line option, for scenario-specific ones (e.g. --members) */
  options: Record<string, string | boolean | undefined>
  log(message: string): void
  /** starts `kind` fresh on ctx.shape, runs fn, stops it (also on error); one after the other */
  each<T>(kinds: TargetKind[], fn: (target: RunningTarget) => Promise<T[]>, opts?: StartOptions): Promise<T[]>
  start(kind: TargetKind, opts?: StartOptions): Promise<RunningTarget>
}

/** Metric names the ratio table knows (others are kept in the JSON). Latencies in ms, RSS in MiB. */
export interface Metrics {
  /** messages stored and delivered per second */
  msgPerSec?: number
  /** deliveries (frames received) per second, for fan-out */
  deliveriesPerSec?: number
  /** server CPU (utime + stime of the server pids) per message, µs */
  cpuUsPerMsg?: number
  p50Ms?: number
  p95Ms?: number
  p99Ms?: number
  rssPeakMiB?: number
  rssAvgMiB?: number
  /** from JIM's /metrics `jim_event_loop_delay*` histogram, when exported */
  eventLoopP99Ms?: number
  [name: string]: number | undefined
}

export interface Correctness {
  /** acknowledged sends never delivered */
  lost: number
  /** the same message delivered more than once to one receiver */
  duplicated: number
  /** holes in a conversation's seq sequence as delivered */
  gaps: number
  /** send requests that failed (not counted as lost: never acknowledged) */
  errors: number
}

export interface ResultRow {
  /** e.g. 'direct-rest-full', 'direct-rest-rate', 'fanout-group-500' */
  scenario: string
  shape: Shape
  target: TargetKind
  /** the offered rate (msg/s) for fixed-rate rows; absent for full speed */
  offered?: number
  metrics: Metrics
  correctness?: Correctness
  /** e.g. 'not supported by this server' (then metrics is empty) */
  note?: string
}

/**
 * A goal from the issue. `versus`: JIM's metric divided by that baseline's must satisfy `op value`;
 * without `versus` JIM's metric itself must.
 */
export interface Goal {
  label: string
  scenario: string
  shape: Shape
  metric: string
  offered?: number
  versus?: TargetKind
  op: '>=' | '<='
  value: number
}

export interface Scenario {
  name: string
  /** one line for --help */
  description: string
  /** shapes it runs on (the runner intersects with --shape) */
  shapes: readonly Shape[]
  goals?: Goal[]
  /** its own command-line options (string-valued), e.g. {members: 'group size (500)'}; read from ctx.options */
  options?: Record<string, string>
  run(ctx: ScenarioContext): Promise<ResultRow[]>
}
