import { expect, it } from 'vitest'
import { newId } from '../../src/shared/ids.js'
import { describeEachStore } from './store-contract.js'

describeEachStore('audit log', (ctx) => {
  it('should list entries newest first with their details, paged by id', async () => {
    const s = ctx().store.auditLog
    const actor = newId()
    const entries = [1, 2, 3].map((n) => ({
      id: newId(),
      actorId: actor,
      action: `test.action_${n}`,
      targetId: n === 2 ? null : newId(),
      details: { n, nested: { emoji: '🦊' } },
      createdAt: 1000 + n,
    }))
    for (const e of entries) await s.append(e)
    const mine = (await s.list({ beforeId: null, limit: 200 })).filter((e) => e.actorId === actor)
    expect(mine).toEqual([...entries].reverse())
    const page = await s.list({ beforeId: entries[2]!.id, limit: 1 })
    expect(page.map((e) => e.id)).toEqual([entries[1]!.id])
  })

  it('should write settings and the audit entry together', async () => {
    const { auditLog, settings } = ctx().store
    const entry = { id: newId(), actorId: newId(), action: 'registration.updated', targetId: null, details: { open: false }, createdAt: 5 }
    await auditLog.setSettings({ 'audit.test.a': 'false', 'audit.test.b': '123' }, 5, entry)
    await auditLog.setSettings({ 'audit.test.a': 'true' }, 6, { ...entry, id: newId() })
    expect(await settings.get('audit.test.a')).toBe('true')
    expect(await settings.get('audit.test.b')).toBe('123')
    expect((await auditLog.list({ beforeId: null, limit: 200 })).some((e) => e.id === entry.id)).toBe(true)
  })
})
