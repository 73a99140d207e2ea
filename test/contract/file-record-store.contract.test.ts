import { expect, it } from 'vitest'
import type { StoredFile } from '../../src/domain/files/file.js'
import { newId } from '../../src/shared/ids.js'
import { groupRules } from '../../src/domain/groups/group-rules.js'
import { describeEachStore, type StoreContext } from './store-contract.js'

const T0 = 1_700_000_000_000
let n = 0

async function users(ctx: StoreContext, count: number): Promise<string[]> {
  const ids: string[] = []
  for (let i = 0; i < count; i++) {
    const id = newId()
    await ctx.store.users.create({
      id,
      username: `fr${Date.now().toString(36)}${++n}`,
      nickname: 'File 📎',
      passwordHash: 'h',
      email: null,
      role: 'user',
      createdAt: T0,
    })
    ids.push(id)
  }
  return ids
}

function file(ownerId: string, extra: Partial<StoredFile> = {}): StoredFile {
  return {
    id: newId(),
    ownerId,
    kind: 'image',
    mime: 'image/png',
    size: 1234,
    sha256: 'a'.repeat(64),
    name: '猫 cat.png',
    width: 640,
    height: 480,
    durationMs: null,
    thumbnail: { width: 320, height: 240 },
    createdAt: T0,
    ...extra,
  }
}

async function group(ctx: StoreContext, ownerId: string, memberIds: string[]) {
  const { group } = await ctx.store.groups.create({
    id: newId(),
    conversationId: newId(),
    name: 'files',
    avatarFileId: null,
    joinPolicy: 'open',
    maxMembers: 50,
    ownerId,
    memberIds,
    inviteeIds: [],
    now: T0,
  })
  return group
}

async function post(ctx: StoreContext, conversationId: string, senderId: string, fileId: string) {
  const { message } = await ctx.store.messages.append({
    conversationId,
    senderId,
    clientMsgId: `c${++n}`,
    type: 'image',
    content: { fileId },
    now: T0,
  })
  await ctx.store.files.addRefs([{ fileId, kind: 'message', conversationId, seq: message.seq }], T0)
  return message
}

describeEachStore('file records', (ctx) => {
  it('should round-trip metadata, including a file without dimensions or thumbnail', async () => {
    const [owner] = await users(ctx(), 1)
    const image = file(owner!)
    const voice = file(owner!, {
      kind: 'voice',
      mime: 'audio/ogg',
      width: null,
      height: null,
      durationMs: 4200,
      thumbnail: null,
      name: 'note',
    })
    await ctx().store.files.create(image)
    await ctx().store.files.create(voice)
    expect(await ctx().store.files.findById(image.id)).toEqual(image)
    expect(await ctx().store.files.findById(voice.id)).toEqual(voice)
    expect(await ctx().store.files.findById(newId())).toBeNull()
  })

  it("should sum the bytes of a user's stored uploads for the quota, 0 for none, beyond 32 bits", async () => {
    const [owner, other] = await users(ctx(), 2)
    expect(await ctx().store.files.usedBytes(owner!)).toBe(0)
    await ctx().store.files.create(file(owner!, { size: 3_000_000_000 }))
    await ctx().store.files.create(file(owner!, { size: 2_500_000_000 }))
    await ctx().store.files.create(file(other!, { size: 7 }))
    expect(await ctx().store.files.usedBytes(owner!)).toBe(5_500_000_000)
    expect(await ctx().store.files.usedBytes(other!)).toBe(7)
  })

  it('should let the owner and members within their seq range read a message file, and nobody else', async () => {
    const [owner, member, stranger, late] = await users(ctx(), 4)
    const g = await group(ctx(), owner!, [member!])
    const f = file(owner!)
    await ctx().store.files.create(f)
    expect(await ctx().store.files.canRead(f.id, owner!)).toBe(true)
    expect(await ctx().store.files.canRead(f.id, member!)).toBe(false)
    await post(ctx(), g.conversationId, owner!, f.id)
    expect(await ctx().store.files.canRead(f.id, member!)).toBe(true)
    expect(await ctx().store.files.canRead(f.id, stranger!)).toBe(false)

    // joined after the message: not in range
    await ctx().store.groups.addMembers({ groupId: g.id, userIds: [late!], actorId: owner!, via: 'join', now: T0, all: true }, groupRules)
    expect(await ctx().store.files.canRead(f.id, late!)).toBe(false)

    // removed: the range ends at the removal notice, after the message: still in range...
    await ctx().store.groups.removeMember({ groupId: g.id, userId: member!, actorId: owner!, reason: 'removed', now: T0 }, groupRules)
    expect(await ctx().store.files.canRead(f.id, member!)).toBe(true)
    // ...but a file posted after the removal is not
    const after = file(owner!)
    await ctx().store.files.create(after)
    await post(ctx(), g.conversationId, owner!, after.id)
    expect(await ctx().store.files.canRead(after.id, member!)).toBe(false)
    expect(await ctx().store.files.canRead(after.id, late!)).toBe(true)
  })

  it('should stop serving a recalled message file to others', async () => {
    const [owner, member] = await users(ctx(), 2)
    const g = await group(ctx(), owner!, [member!])
    const f = file(owner!)
    await ctx().store.files.create(f)
    const message = await post(ctx(), g.conversationId, owner!, f.id)
    expect(await ctx().store.files.canRead(f.id, member!)).toBe(true)
    await ctx().store.messages.recall(g.conversationId, message.seq, T0 + 1)
    expect(await ctx().store.files.canRead(f.id, member!)).toBe(false)
    expect(await ctx().store.files.canRead(f.id, owner!)).toBe(true)
  })

  it('should let anyone read an avatar, and replace avatar refs keeping only the current one', async () => {
    const [owner, other] = await users(ctx(), 2)
    const first = file(owner!)
    const second = file(owner!)
    await ctx().store.files.create(first)
    await ctx().store.files.create(second)
    await ctx().store.files.addRefs([{ fileId: first.id, kind: 'avatar', refId: owner! }], T0)
    await ctx().store.files.addRefs([{ fileId: first.id, kind: 'avatar', refId: owner! }], T0) // repeat: no error
    expect(await ctx().store.files.canRead(first.id, other!)).toBe(true)
    await ctx().store.files.addRefs([{ fileId: second.id, kind: 'avatar', refId: owner! }], T0)
    await ctx().store.files.removeRefs('avatar', owner!, second.id)
    expect(await ctx().store.files.canRead(first.id, other!)).toBe(false)
    expect(await ctx().store.files.canRead(second.id, other!)).toBe(true)
    await ctx().store.files.removeRefs('avatar', owner!, null)
    expect(await ctx().store.files.canRead(second.id, other!)).toBe(false)
  })

  it('should list and delete only old unreferenced files', async () => {
    const [owner] = await users(ctx(), 1)
    const g = await group(ctx(), owner!, [])
    const old = file(owner!, { createdAt: T0 - 10 })
    const used = file(owner!, { createdAt: T0 - 10 })
    const recent = file(owner!, { createdAt: T0 + 10 })
    for (const f of [old, used, recent]) await ctx().store.files.create(f)
    await post(ctx(), g.conversationId, owner!, used.id)
    const listed = await ctx().store.files.listUnreferenced(T0, 1000)
    expect(listed).toContain(old.id)
    expect(listed).not.toContain(used.id)
    expect(listed).not.toContain(recent.id)
    expect(await ctx().store.files.deleteIfUnreferenced(used.id)).toBe(false)
    expect(await ctx().store.files.deleteIfUnreferenced(old.id)).toBe(true)
    expect(await ctx().store.files.deleteIfUnreferenced(old.id)).toBe(false)
    expect(await ctx().store.files.findById(old.id)).toBeNull()
    expect(await ctx().store.files.findById(used.id)).not.toBeNull()
  })
})
