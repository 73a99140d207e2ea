import type { BenchHttp } from './bench-client.js'

export interface BenchUser {
  id: string
  token: string
}

const PASSWORD = 'bench-Violet-Orbit-42'

/** Registers and logs in `count` users with names `${prefix}${i}`. */
export async function createUsers(http: BenchHttp, prefix: string, count: number, concurrency = 8): Promise<BenchUser[]> {
  const users: BenchUser[] = new Array(count)
  let next = 0
  await Promise.all(
    Array.from({ length: concurrency }, async () => {
      while (next < count) {
        const i = next++
        const username = `${prefix}${i}`
        const reg = await http.request('POST', '/auth/register', { username, password: PASSWORD })
        if (reg.status !== 201) throw new Error(`register ${username}: ${reg.status} ${JSON.stringify(reg.body)}`)
        const login = await http.request('POST', '/auth/login', { username, password: PASSWORD })
        users[i] = { id: login.body.user.id, token: login.body.token }
      }
    }),
  )
  return users
}

/** Makes a and b friends and returns their direct conversation id. */
export async function pair(http: BenchHttp, a: BenchUser, b: BenchUser): Promise<string> {
  const req = await http.request('POST', '/friend-requests', { userId: b.id }, a.token)
  await http.request('POST', `/friend-requests/${req.body.request.id}/accept`, undefined, b.token)
  const conv = await http.request('PUT', `/conversations/direct/${b.id}`, undefined, a.token)
  return conv.body.id
}
