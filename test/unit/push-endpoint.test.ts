import { describe, expect, it } from 'vitest'
import { isPrivateAddress, validateEndpoint } from '../../src/domain/notifications/push-endpoint.js'
import { inQuietHours, DEFAULT_SETTINGS } from '../../src/domain/notifications/notification-settings.js'

describe('push endpoints: only https URLs of public hosts', () => {
  it('should accept a real push service and refuse internal targets', () => {
    expect(validateEndpoint('https://fcm.googleapis.com/fcm/send/abc', false).host).toBe('fcm.googleapis.com')
    for (const bad of [
      'http://fcm.googleapis.com/x',
      'https://localhost/x',
      'https://127.0.0.1/x',
      'https://10.1.2.3/x',
      'https://192.168.0.1/x',
      'https://169.254.169.254/latest/meta-data',
      'https://[::1]/x',
      'https://[fd00::1]/x',
      'https://[::ffff:127.0.0.1]/x',
      'https://user:pw@push.example.com/x',
      'ftp://push.example.com/x',
      'not a url',
    ])
      expect(() => validateEndpoint(bad, false), bad).toThrow(expect.objectContaining({ code: 'push.endpoint_invalid' }))
    // the test setting allows the local push service of the tests
    expect(validateEndpoint('http://127.0.0.1:9999/push/x', true).port).toBe('9999')
  })

  it('should tell private addresses from public ones (what send-time DNS answers are checked against)', () => {
    expect(['127.0.0.1', '10.0.0.5', '172.20.1.1', '100.64.0.1', '::1', 'fe80::1', '::ffff:192.168.1.1'].every(isPrivateAddress)).toBe(true)
    expect(['8.8.8.8', '142.250.72.14', '2607:f8b0:4005::200e'].some(isPrivateAddress)).toBe(false)
  })
})

describe("quiet hours on the user's wall clock", () => {
  const at = (iso: string) => Date.parse(iso)
  it('should wrap past midnight and follow the time zone', () => {
    const s = { ...DEFAULT_SETTINGS, quietStart: 22 * 60, quietEnd: 7 * 60, timeZone: 'Asia/Shanghai' }
    expect(inQuietHours(s, at('2026-03-01T15:00:00Z'))).toBe(true) // 23:00 in Shanghai
    expect(inQuietHours(s, at('2026-03-01T22:30:00Z'))).toBe(true) // 06:30
    expect(inQuietHours(s, at('2026-03-01T23:00:00Z'))).toBe(false) // 07:00
    expect(inQuietHours(s, at('2026-03-01T04:00:00Z'))).toBe(false) // 12:00
    expect(inQuietHours({ ...s, quietStart: null, quietEnd: null }, at('2026-03-01T15:00:00Z'))).toBe(false)
  })
})
