import { describe, expect, it } from 'vitest'
import { isId, newId } from '../../src/shared/ids.js'

describe('newId', () => {
  it('should make valid, unique, strictly increasing ULIDs, also within one millisecond', () => {
    const ids = Array.from({ length: 10_000 }, () => newId(1_800_000_000_000))
    expect(ids.every(isId)).toBe(true)
    expect(new Set(ids).size).toBe(ids.length)
    expect([...ids].sort()).toEqual(ids)
  })

  it('should encode the time in the first 10 characters, sortable across milliseconds', () => {
    const a = newId(1_800_000_000_000)
    const b = newId(1_800_000_000_001)
    expect(a.slice(0, 10) < b.slice(0, 10)).toBe(true)
  })
})
