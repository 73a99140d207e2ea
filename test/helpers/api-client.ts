/** Minimal HTTP client for tests: real requests, parsed JSON, status and headers kept. */
export interface ApiResponse<T = any> {
  status: number
  body: T
  headers: Headers
}

export class ApiClient {
  constructor(
    readonly baseUrl: string,
    public token: string | null = null,
  ) {}

  withToken(token: string | null): ApiClient {
    return new ApiClient(this.baseUrl, token)
  }

  async request<T = any>(method: string, path: string, body?: unknown, headers: Record<string, string> = {}): Promise<ApiResponse<T>> {
    const h: Record<string, string> = { ...headers }
    if (this.token) h.authorization = `Bearer ${this.token}`
    let payload: string | undefined
    if (body !== undefined) {
      payload = typeof body === 'string' ? body : JSON.stringify(body)
      h['content-type'] ??= 'application/json'
    }
    const res = await fetch(this.baseUrl + '/api/v1' + path, { method, headers: h, body: payload })
    const text = await res.text()
    let parsed: unknown = text
    try {
      parsed = text ? JSON.parse(text) : null
    } catch {
      // keep raw text
    }
    return { status: res.status, body: parsed as T, headers: res.headers }
  }

  get<T = any>(path: string) {
    return this.request<T>('GET', path)
  }
  post<T = any>(path: string, body?: unknown) {
    return this.request<T>('POST', path, body ?? {})
  }
  put<T = any>(path: string, body?: unknown) {
    return this.request<T>('PUT', path, body)
  }
  patch<T = any>(path: string, body?: unknown) {
    return this.request<T>('PATCH', path, body)
  }
  delete<T = any>(path: string) {
    return this.request<T>('DELETE', path)
  }
}

export const STRONG_PASSWORD = 'violet-Tangerine-42-orbit'

export interface TestUser {
  id: string
  username: string
  token: string
  sessionId: string
  api: ApiClient
}

let counter = 0

/** Registers a new user with a unique name and logs in. */
export async function createUser(baseUrl: string, name = 'user', extra: Record<string, unknown> = {}): Promise<TestUser> {
  const username = `${name}${Date.now().toString(36).slice(-5)}${++counter}`.toLowerCase().slice(0, 32)
  const anon = new ApiClient(baseUrl)
  const reg = await anon.post('/auth/register', { username, password: STRONG_PASSWORD, ...extra })
  if (reg.status !== 201) throw new Error(`register failed: ${reg.status} ${JSON.stringify(reg.body)}`)
  return login(baseUrl, username)
}

export async function login(baseUrl: string, username: string, password = STRONG_PASSWORD): Promise<TestUser> {
  const res = await new ApiClient(baseUrl).post('/auth/login', { username, password })
  if (res.status !== 200) throw new Error(`login failed: ${res.status} ${JSON.stringify(res.body)}`)
  return {
    id: res.body.user.id,
    username,
    token: res.body.token,
    sessionId: res.body.sessionId,
    api: new ApiClient(baseUrl, res.body.token),
  }
}
