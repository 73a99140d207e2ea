import type { Logger } from '../shared/logger.js'
import { RedisScript, type RedisClient } from '../shared/redis-client.js'
import type { Presence } from '../domain/users/presence.js'

export interface RedisPresenceOptions {
  client: RedisClient
  prefix: string
  /** this process; must not contain `|` */
  instanceId: string
  logger: Logger
  /**
   * Lifetime of this instance's heartbeat key. It is refreshed every ttl/3, and live instances
   * sweep dead ones every ttl/3, so a killed instance's users go offline within ttl x 4/3.
   */
  ttlMs?: number
}

// Keys (prefix p; every key carries the hash tag {presence}, so the scripts, which read keys
// they are not given, stay in one slot of a Redis Cluster):
//   p{presence}:u:<userId>      SET of "<instanceId>|<connectionId>", one per socket anywhere
//   p{presence}:i:<instanceId>  heartbeat, expires after ttl unless refreshed
//   p{presence}:iu:<instanceId> SET of user ids with sockets on that instance (what a sweep visits)
//   p{presence}:instances       SET of instance ids that have registered (sweep candidates)
// A socket counts only while its instance's heartbeat key exists. Scripts get the key prefix
// `p{presence}:` as their "prefix" argument.

/** Counts a user's live sockets, dropping those of instances whose heartbeat is gone. */
const LIVE = `
local function live(key, prefix)
  local n = 0
  for _, m in ipairs(redis.call('SMEMBERS', key)) do
    local iid = string.match(m, '^([^|]+)|')
    if iid and redis.call('EXISTS', prefix .. 'i:' .. iid) == 1 then n = n + 1 else redis.call('SREM', key, m) end
  end
  return n
end
`

/** KEYS: user set, our user index, our heartbeat, instances. ARGV: member, userId, prefix, ttlMs, instanceId. → {first, hadHeartbeat} */
const CONNECT = new RedisScript(`${LIVE}
local had = redis.call('EXISTS', KEYS[3])
if had == 0 then
  redis.call('SET', KEYS[3], '1', 'PX', ARGV[4])
  redis.call('SADD', KEYS[4], ARGV[5])
end
local added = redis.call('SADD', KEYS[1], ARGV[1])
redis.call('SADD', KEYS[2], ARGV[2])
local n = live(KEYS[1], ARGV[3])
if added == 1 and n == 1 then return {1, had} end
return {0, had}
`)

/** KEYS: user set, our user index. ARGV: member, userId, prefix, our tag "<instanceId>|". → 1 when no live socket is left */
const DISCONNECT = new RedisScript(`${LIVE}
redis.call('SREM', KEYS[1], ARGV[1])
local mine = false
for _, m in ipairs(redis.call('SMEMBERS', KEYS[1])) do
  if string.sub(m, 1, #ARGV[4]) == ARGV[4] then mine = true break end
end
if not mine then redis.call('SREM', KEYS[2], ARGV[2]) end
-- removed == 0: Redis lost the entry (restart); the caller knows the socket was live, so still report "last"
if live(KEYS[1], ARGV[3]) == 0 then return 1 end
return 0
`)

/** KEYS: user sets. ARGV: prefix. → one 0/1 per key (read only) */
const CONNECTED = new RedisScript(`
local out = {}
for i, key in ipairs(KEYS) do
  out[i] = 0
  for _, m in ipairs(redis.call('SMEMBERS', key)) do
    local iid = string.match(m, '^([^|]+)|')
    if iid and redis.call('EXISTS', ARGV[1] .. 'i:' .. iid) == 1 then out[i] = 1 break end
  end
end
return out
`)

/** KEYS: user sets. ARGV: prefix. → the distinct instances holding a live socket of any of them (read only) */
const INSTANCES = new RedisScript(`
local out, seen = {}, {}
for _, key in ipairs(KEYS) do
  for _, m in ipairs(redis.call('SMEMBERS', key)) do
    local iid = string.match(m, '^([^|]+)|')
    if iid and not seen[iid] then
      seen[iid] = true
      if redis.call('EXISTS', ARGV[1] .. 'i:' .. iid) == 1 then table.insert(out, iid) end
    end
  end
end
return out
`)

/** KEYS: our heartbeat, instances. ARGV: ttlMs, instanceId. → {hadHeartbeat, wasRegistered} */
const HEARTBEAT = new RedisScript(`
local had = redis.call('EXISTS', KEYS[1])
redis.call('SET', KEYS[1], '1', 'PX', ARGV[1])
local added = redis.call('SADD', KEYS[2], ARGV[2])
return {had, 1 - added}
`)

/**
 * Replaces every entry of ours with the sockets we hold now (after Redis lost them, or after
 * we failed to record a change while it was down). KEYS: our user index.
 * ARGV: prefix, our tag, then userId, connectionId pairs. → the users whose "has a live socket
 * anywhere" flipped (others may have been told otherwise)
 */
const REASSERT = new RedisScript(`${LIVE}
local tag = ARGV[2]
local users, seen = {}, {}
for _, u in ipairs(redis.call('SMEMBERS', KEYS[1])) do
  if not seen[u] then seen[u] = true table.insert(users, u) end
end
for i = 3, #ARGV, 2 do
  if not seen[ARGV[i]] then seen[ARGV[i]] = true table.insert(users, ARGV[i]) end
end
local before = {}
for _, u in ipairs(users) do
  local key = ARGV[1] .. 'u:' .. u
  before[u] = live(key, ARGV[1]) > 0
  for _, m in ipairs(redis.call('SMEMBERS', key)) do
    if string.sub(m, 1, #tag) == tag then redis.call('SREM', key, m) end
  end
end
redis.call('DEL', KEYS[1])
for i = 3, #ARGV, 2 do
  redis.call('SADD', ARGV[1] .. 'u:' .. ARGV[i], tag .. ARGV[i + 1])
  redis.call('SADD', KEYS[1], ARGV[i])
end
local flipped = {}
for _, u in ipairs(users) do
  if before[u] ~= (live(ARGV[1] .. 'u:' .. u, ARGV[1]) > 0) then table.insert(flipped, u) end
end
return flipped
`)

/**
 * Removes a dead instance's sockets, once (whoever removes it from the instance set does the
 * work), unless its heartbeat came back. KEYS: its heartbeat, instances, its user index.
 * ARGV: its id, prefix, '1' when it is the instance itself closing (drop the heartbeat first,
 * in the same step, so nobody else sweeps it halfway). → the users left with no live socket
 */
const SWEEP = new RedisScript(`
if ARGV[3] == '1' then redis.call('DEL', KEYS[1]) end
if redis.call('EXISTS', KEYS[1]) == 1 then return {} end
if redis.call('SREM', KEYS[2], ARGV[1]) == 0 then return {} end
local users = redis.call('SMEMBERS', KEYS[3])
redis.call('DEL', KEYS[3])
local tag = ARGV[1] .. '|'
local offline = {}
for _, u in ipairs(users) do
  local key = ARGV[2] .. 'u:' .. u
  local n = 0
  for _, m in ipairs(redis.call('SMEMBERS', key)) do
    if string.sub(m, 1, #tag) == tag then
      redis.call('SREM', key, m)
    else
      local iid = string.match(m, '^([^|]+)|')
      if iid and redis.call('EXISTS', ARGV[2] .. 'i:' .. iid) == 1 then n = n + 1 end
    end
  end
  if n == 0 then table.insert(offline, u) end
end
return offline
`)

/**
 * Cluster-wide presence in Redis: a set of socket ids per user, each tagged with its instance,
 * and a heartbeat key per instance with a TTL. `connect`/`disconnect` run as Lua scripts, so
 * "first socket anywhere" and "last socket anywhere" are decided atomically across instances.
 *
 * A dead instance (SIGKILL, network) stops refreshing its heartbeat; its sockets stop counting
 * once the key expires (at most `ttlMs`), and the next sweep of a live instance (every ttl/3)
 * removes them and reports the users left offline through `onChanged`, so their friends are told.
 * With the default 15 s TTL a killed instance's users show offline within 20 s.
 *
 * Redis down: every method still answers (never throws into a socket's life): this instance
 * keeps its own sockets in memory, answers from them, and re-registers them all once Redis is
 * back (also after a Redis restart emptied it, after any failed heartbeat, and after a Redis
 * Cluster lost a node), reporting its users through `onChanged` and its sockets to `onReasserted`.
 */
export class RedisPresence implements Presence {
  readonly #o: Required<RedisPresenceOptions>
  readonly #tag: string
  readonly #keyPrefix: string
  readonly #local = new Map<string, Set<string>>()
  #changed: (userIds: readonly string[]) => Promise<void> = async () => {}
  #reasserted: () => void = () => {}
  #timer: NodeJS.Timeout | null = null
  /** a change could not be written: re-register everything on the next heartbeat */
  #dirty = false
  #registered = false
  #ticking: Promise<void> | null = null
  readonly #pending = new Set<Promise<unknown>>()
  #closed = false

  constructor(options: RedisPresenceOptions) {
    if (options.instanceId.includes('|')) throw new Error('instance id must not contain "|"')
    this.#o = { ...options, ttlMs: options.ttlMs ?? 15_000 }
    this.#tag = `${options.instanceId}|`
    this.#keyPrefix = `${options.prefix}{presence}:`
    this.#timer = setInterval(() => void this.#tick(), Math.max(100, Math.floor(this.#o.ttlMs / 3)))
    this.#timer.unref()
    options.client.on('ready', () => void this.#tick())
    // a Redis Cluster node is gone (a master died: its replica takes over). Replication is
    // asynchronous, so the promoted replica may lack writes the old master acknowledged (a
    // socket, a re-registration), and a failover may end before our heartbeat ever fails or
    // lapses: write our sockets back once Redis answers again, and have them `sync`
    options.client.on('-node', () => {
      if (this.#registered) this.#dirty = true
    })
    void this.#tick()
  }

  async connect(userId: string, connectionId: string): Promise<boolean> {
    let set = this.#local.get(userId)
    const localFirst = !set
    if (!set) this.#local.set(userId, (set = new Set()))
    set.add(connectionId)
    return this.#track(async () => {
      try {
        const [first, had] = await CONNECT.run<[number, number]>(
          this.#o.client,
          [this.#key(`u:${userId}`), this.#key(`iu:${this.#o.instanceId}`), this.#key(`i:${this.#o.instanceId}`), this.#key('instances')],
          [this.#tag + connectionId, userId, this.#keyPrefix, this.#o.ttlMs, this.#o.instanceId],
        )
        // our heartbeat had lapsed: our other sockets no longer count; put them back
        if (had === 0 && this.#registered) this.#dirty = true
        if (had === 0) void this.#tick()
        return first === 1
      } catch (err) {
        this.#failed('connect', err)
        return localFirst
      }
    })
  }

  async disconnect(userId: string, connectionId: string): Promise<boolean> {
    const set = this.#local.get(userId)
    if (!set || !set.delete(connectionId)) return false
    if (set.size === 0) this.#local.delete(userId)
    return this.#track(async () => {
      try {
        const last = await DISCONNECT.run<number>(
          this.#o.client,
          [this.#key(`u:${userId}`), this.#key(`iu:${this.#o.instanceId}`)],
          [this.#tag + connectionId, userId, this.#keyPrefix, this.#tag],
        )
        return last === 1
      } catch (err) {
        this.#failed('disconnect', err)
        return set.size === 0
      }
    })
  }

  async connectedAmong(userIds: readonly string[]): Promise<Set<string>> {
    if (userIds.length === 0) return new Set()
    try {
      const flags = await CONNECTED.run<number[]>(
        this.#o.client,
        userIds.map((id) => this.#key(`u:${id}`)),
        [this.#keyPrefix],
      )
      return new Set(userIds.filter((_, i) => flags[i] === 1))
    } catch (err) {
      this.#failed('connectedAmong', err, false)
      // the best we know without Redis: our own sockets
      return new Set(userIds.filter((id) => this.#local.has(id)))
    }
  }

  onChanged(handler: (userIds: readonly string[]) => Promise<void>): void {
    this.#changed = handler
  }

  /**
   * The instances holding a live socket of any of `userIds`, read in one step from the registry
   * the sockets are written to before they are served (see docs/scaling.md, "Routing").
   * Throws when Redis does not answer (the caller then broadcasts).
   */
  async instancesOf(userIds: readonly string[]): Promise<string[]> {
    if (userIds.length === 0) return []
    return INSTANCES.run<string[]>(
      this.#o.client,
      userIds.map((id) => this.#key(`u:${id}`)),
      [this.#keyPrefix],
    )
  }

  /**
   * Sets what runs after this instance wrote its sockets back (Redis had lost them, or a socket
   * change could not be written): until then other instances did not route to them, so the
   * gateway asks its sockets to `sync`.
   */
  onReasserted(handler: () => void): void {
    this.#reasserted = handler
  }

  /** Stops the heartbeat and removes this instance's sockets at once (other instances need not wait for the TTL). */
  async close(): Promise<void> {
    if (this.#closed) return
    this.#closed = true
    if (this.#timer) clearInterval(this.#timer)
    await Promise.allSettled([...this.#pending, this.#ticking])
    try {
      const id = this.#o.instanceId
      const offline = await SWEEP.run<string[]>(
        this.#o.client,
        [this.#key(`i:${id}`), this.#key('instances'), this.#key(`iu:${id}`)],
        [id, this.#keyPrefix, '1'],
      )
      if (offline.length > 0) await this.#changed(offline)
    } catch (err) {
      // Redis is down: the heartbeat expires by itself and another instance sweeps us
      this.#failed('close', err, false)
    }
  }

  /** Heartbeat, re-register if Redis lost us, then sweep dead instances; one at a time. */
  #tick(): Promise<void> {
    if (this.#closed || this.#o.client.status !== 'ready') return Promise.resolve()
    this.#ticking ??= this.#beat().finally(() => (this.#ticking = null))
    return this.#ticking
  }

  async #beat(): Promise<void> {
    const { client, instanceId } = this.#o
    let flipped: string[] = []
    try {
      const [had, wasRegistered] = await HEARTBEAT.run<[number, number]>(
        client,
        [this.#key(`i:${instanceId}`), this.#key('instances')],
        [this.#o.ttlMs, instanceId],
      )
      const lost = this.#registered && (had === 0 || wasRegistered === 0)
      this.#registered = true
      if (lost || this.#dirty) flipped = await this.#reassert()
    } catch (err) {
      // No answer does not mean "not run": a heartbeat that renewed our lapsed key (after another
      // instance swept our sockets), or a re-registration, may have run with its answer lost (a
      // timeout on a loaded host, a failover). The next heartbeat would then find our key in
      // place and never put our sockets back: routes would skip them for good. So after any
      // failed heartbeat we re-register on the next answer (idempotent) and sockets `sync`.
      this.#failed('heartbeat', err)
      return
    }
    try {
      if (flipped.length > 0) await this.#changed(flipped)
      for (const other of await client.smembers(this.#key('instances'))) {
        if (other === instanceId) continue
        const offline = await SWEEP.run<string[]>(
          client,
          [this.#key(`i:${other}`), this.#key('instances'), this.#key(`iu:${other}`)],
          [other, this.#keyPrefix, '0'],
        )
        if (offline.length > 0) {
          this.#o.logger.info({ event: 'presence.instance_expired', instanceId: other, offline: offline.length }, 'dead instance swept')
          await this.#changed(offline)
        }
      }
    } catch (err) {
      this.#failed('sweep', err, false)
    }
  }

  /**
   * Writes our sockets back (replacing whatever Redis holds of ours) and has our sockets `sync`
   * (until now other instances may have routed their events elsewhere). → the users whose online
   * state that changed. Throws when Redis does not answer (the caller then sets `#dirty` again).
   */
  async #reassert(): Promise<string[]> {
    const pairs: string[] = []
    for (const [userId, conns] of this.#local) for (const c of conns) pairs.push(userId, c)
    this.#dirty = false
    const flipped = await REASSERT.run<string[]>(
      this.#o.client,
      [this.#key(`iu:${this.#o.instanceId}`)],
      [this.#keyPrefix, this.#tag, ...pairs],
    )
    this.#o.logger.info(
      { event: 'presence.reasserted', sockets: pairs.length / 2, changed: flipped.length },
      'presence re-registered in redis',
    )
    this.#reasserted()
    return flipped
  }

  /** `lostWrite`: a write of ours may be missing in Redis (failed, or ran with its answer lost), so everything is re-registered once it answers. */
  #failed(op: string, err: unknown, lostWrite = true): void {
    if (lostWrite) this.#dirty = true
    this.#o.logger.debug({ event: 'presence.redis_failed', op, err: { message: (err as Error).message } }, 'presence redis call failed')
  }

  #track<T>(work: () => Promise<T>): Promise<T> {
    const p = work()
    this.#pending.add(p)
    void p.finally(() => this.#pending.delete(p))
    return p
  }

  #key(suffix: string): string {
    return this.#keyPrefix + suffix
  }
}
