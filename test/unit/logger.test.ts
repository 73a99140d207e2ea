import { expect, it } from 'vitest'
import { createLogger } from '../../src/shared/logger.js'

function capture() {
  const lines: Array<Record<string, unknown>> = []
  const logger = createLogger('info', { write: (chunk: string) => void lines.push(JSON.parse(chunk)) })
  return { logger, lines }
}

it('should censor secrets at the top level and one level down, leaving the logged object unchanged', () => {
  const { logger, lines } = capture()
  const body = { username: 'ann', password: 'hunter2', token: 't0k3n', nested: { password: 'deeper' } }
  logger.info({ body, password: 'p', newPassword: 'n', req: { headers: { authorization: 'Bearer x', host: 'h' } }, n: 1 }, 'x')
  expect(lines[0]).toMatchObject({
    body: { username: 'ann', password: '[redacted]', token: '[redacted]' },
    password: '[redacted]',
    newPassword: '[redacted]',
    req: { headers: { authorization: '[redacted]', host: 'h' } },
    n: 1,
  })
  expect(JSON.stringify(lines[0])).not.toMatch(/hunter2|t0k3n|Bearer/)
  expect(body.password).toBe('hunter2')
  expect(body.token).toBe('t0k3n')
})

it('should log a line of plain values as it is', () => {
  const { logger, lines } = capture()
  logger.info({ event: 'message.stored', seq: 3, conversationId: 'c', list: [1, 2] }, 'message stored')
  expect(lines[0]).toMatchObject({ event: 'message.stored', seq: 3, conversationId: 'c', list: [1, 2], msg: 'message stored' })
})

it('should censor a secret carried by a logged error and keep its message', () => {
  const { logger, lines } = capture()
  const err = Object.assign(new Error('upstream refused'), { token: 'leaky' })
  logger.warn({ err }, 'failed')
  expect(lines[0]).toMatchObject({ err: { message: 'upstream refused', token: '[redacted]' } })
  expect(JSON.stringify(lines[0])).not.toMatch(/leaky/)
})
