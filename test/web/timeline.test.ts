import { describe, expect, it } from 'vitest'
import { holes, mergeMessages } from '../../web/src/store/timeline.js'
import { msg } from '../../packages/client/test/fake-socket.js'

describe('mergeMessages', () => {
  it('should keep one entry per seq in ascending order whatever the sources', () => {
    const page = [msg('a', 3), msg('a', 4), msg('a', 5)]
    const live = [msg('a', 6), msg('a', 5)]
    const older = [msg('a', 1), msg('a', 2), msg('a', 3)]
    const merged = mergeMessages(mergeMessages(page, live), older)
    expect(merged.map((m) => m.seq)).toEqual([1, 2, 3, 4, 5, 6])
    expect(holes(merged)).toEqual([])
  })

  it('should return the same array when nothing is new (no re-render)', () => {
    const list = [msg('a', 1), msg('a', 2)]
    expect(mergeMessages(list, [msg('a', 2)])).toBe(list)
    expect(mergeMessages(list, [])).toBe(list)
  })

  it('should take an edit or recall (newer modSeq) but never a stale copy', () => {
    const recalled = msg('a', 2, { content: {}, recalledAt: '2026-01-01T00:00:00.000Z', modSeq: 3 })
    const list = mergeMessages([msg('a', 1), msg('a', 2)], [recalled])
    expect(list[1]).toBe(recalled)
    expect(mergeMessages(list, [msg('a', 2)])[1]).toBe(recalled)
  })

  it('should report holes', () => {
    expect(holes([msg('a', 1), msg('a', 4)])).toEqual([2, 3])
  })
})
