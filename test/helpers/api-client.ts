import { ApiClient as SdkClient, type ApiResponse as SdkResponse } from '@jim/client'

/** What a test sees of an answer: the status, the parsed body (or the text), the headers. */
export type ApiResponse<T = any> = Omit<SdkResponse<T>, 'ok'>

/**
 * HTTP for tests: the SDK's client (`sdk`, typed calls that throw on refusal) plus verbs that
 * return every answer as it came, so a test can assert statuses, error bodies and headers.
 * A string body is sent unchanged (malformed JSON tests).
 */
export class ApiClient {
  readonly sdk: SdkClient

  constructor(
    readonly baseUrl: string,
    token: string | null = null,
  ) {
    this.sdk = new SdkClient({ baseUrl })
    this.sdk.token = token
  }

  get token(): string | null {
    return this.sdk.token
  }
  set token(token: string | null) {
    this.sdk.token = token
  }

  withToken(token: string | null): ApiClient {
    return new ApiClient(this.baseUrl, token)
  }

  request<T = any>(method: string, path: string, body?: unknown, headers?: Record<string, string>): Promise<ApiResponse<T>> {
    const payload = typeof body === 'string' ? { body } : { json: body }
    return this.sdk.call(method, path, { ...payload, headers }) as Promise<ApiResponse<T>>
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
  await new SdkClient({ baseUrl }).register({ username, password: STRONG_PASSWORD, ...extra })
  return login(baseUrl, username)
}

export async function login(baseUrl: string, username: string, password = STRONG_PASSWORD): Promise<TestUser> {
  const { user, token, sessionId } = await new SdkClient({ baseUrl }).login({ username, password })
  return { id: user.id, username, token, sessionId, api: new ApiClient(baseUrl, token) }
}
