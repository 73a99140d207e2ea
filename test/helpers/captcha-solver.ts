import type { App } from '../../src/app.js'
import { ApiClient } from './api-client.js'

/**
 * Makes an app draw captchas with known answers (through the in-process generator seam, never
 * over HTTP) and fetches solved ones over HTTP like a client would.
 */
export function captchaSolver(app: App, baseUrl: string) {
  let n = 0
  let last = ''
  app.security.captcha.useGenerator(() => {
    last = `K${(++n).toString(36).toUpperCase()}P7`
    return { text: last, svg: `<svg xmlns="http://www.w3.org/2000/svg"><text>${last}</text></svg>` }
  })
  return async (headers: Record<string, string> = {}): Promise<{ id: string; answer: string }> => {
    const res = await new ApiClient(baseUrl).request('GET', '/auth/captcha', undefined, headers)
    if (res.status !== 200) throw new Error(`captcha: ${res.status} ${JSON.stringify(res.body)}`)
    return { id: res.body.captchaId, answer: last.toLowerCase() }
  }
}
