import { describe, expect, it } from 'vitest'
import { FreshLoad } from '../../web/src/app/fresh-load.js'

/** A read whose answers the test hands out one by one, in the order the reads were made. */
function controlledReads() {
  const waiting: Array<(answer: string) => void> = []
  let reads = 0
  return {
    read: () => {
      reads++
      return new Promise<string>((resolve) => waiting.push(resolve))
    },
    answer: async (value: string) => {
      const next = waiting.shift()
      if (!next) throw new Error('no read is waiting')
      next(value)
      await new Promise((r) => setTimeout(r, 0))
    },
    get reads() {
      return reads
    },
  }
}

describe('FreshLoad (a list read over HTTP that live frames also change)', () => {
  it('should show the answer of a read nothing changed during', async () => {
    const server = controlledReads()
    const shown: string[] = []
    const list = new FreshLoad(server.read, (a) => shown.push(a))
    const done = list.run()
    await server.answer('v1')
    await done
    expect(shown).toEqual(['v1'])
    expect(server.reads).toBe(1)
  })

  it('should drop an answer read before a live change and read again, so the change is not taken back', async () => {
    const server = controlledReads()
    const shown: string[] = []
    const list = new FreshLoad(server.read, (a) => shown.push(a))
    const done = list.run()
    list.changed() // a frame applied while the read was in flight
    await server.answer('read before the change')
    await server.answer('read after the change')
    await done
    expect(shown).toEqual(['read after the change'])
    expect(server.reads).toBe(2)
  })

  it('should join a second load into the one in flight, which reads once more', async () => {
    const server = controlledReads()
    const shown: string[] = []
    const list = new FreshLoad(server.read, (a) => shown.push(a))
    const first = list.run()
    const second = list.run()
    await server.answer('old')
    await server.answer('new')
    await Promise.all([first, second])
    expect(shown).toEqual(['new'])
    expect(server.reads).toBe(2)
  })

  it('should ignore a change while nothing is read, and show the last answer after three stale reads', async () => {
    const server = controlledReads()
    const shown: string[] = []
    const list = new FreshLoad(server.read, (a) => shown.push(a))
    list.changed()
    const done = list.run()
    for (const answer of ['a', 'b']) {
      list.changed()
      await server.answer(answer)
    }
    list.changed()
    await server.answer('c')
    await done
    expect(shown).toEqual(['c'])
    expect(server.reads).toBe(3)
  })

  it('should pass a failed read on to the caller and read normally afterwards', async () => {
    let offline = true
    const shown: string[] = []
    const list = new FreshLoad(
      () => (offline ? Promise.reject(new Error('offline')) : Promise.resolve('ok')),
      (a) => shown.push(a),
    )
    await expect(list.run()).rejects.toThrow('offline')
    offline = false
    await list.run()
    expect(shown).toEqual(['ok'])
  })
})
