import sharp from 'sharp'
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { ManualClock } from '../../src/shared/clock.js'
import { createUser, type TestUser } from '../helpers/api-client.js'
import { befriend, directConversation } from '../helpers/social.js'
import { startTestApp, type TestApp } from '../helpers/test-app.js'
import { download, makeImage, mp4Bytes, pdfBytes, upload, wavBytes } from '../helpers/uploads.js'
import { TestSocket } from '../helpers/ws-client.js'

let n = 0
const cid = () => `media-${++n}`

describe('media messages, access and signed URLs', () => {
  const clock = new ManualClock(Date.UTC(2026, 2, 1))
  let t: TestApp
  let alice: TestUser
  let bob: TestUser
  let carol: TestUser
  let dave: TestUser
  let direct: string
  const sockets: TestSocket[] = []

  const uploadOk = async (user: TestUser, bytes: Uint8Array, options: Parameters<typeof upload>[3] = {}) => {
    const res = await upload(t.url, user, bytes, options)
    if (res.status !== 201) throw new Error(`upload failed: ${res.status} ${JSON.stringify(res.body)}`)
    return res.body
  }
  const send = (user: TestUser, conversationId: string, type: string, content: Record<string, unknown>) =>
    user.api.post(`/conversations/${conversationId}/messages`, { clientMsgId: cid(), type, content })
  const status = async (user: TestUser, path: string) => (await download(`${t.url}/api/v1${path}`, user.token)).status

  beforeAll(async () => {
    t = await startTestApp({ clock })
    alice = await createUser(t.url, 'alice')
    bob = await createUser(t.url, 'bob')
    carol = await createUser(t.url, 'carol')
    dave = await createUser(t.url, 'dave')
    await befriend(alice, bob)
    await befriend(alice, carol)
    await befriend(alice, dave)
    direct = await directConversation(alice, bob)
  })
  afterAll(async () => {
    for (const s of sockets) s.close()
    await t.close()
  })

  it('should send image, file, voice and video messages whose metadata comes from the stored upload, and push them', async () => {
    const bobSock = await TestSocket.open(t.wsUrl, { token: bob.token })
    sockets.push(bobSock)
    const image = await uploadOk(alice, await makeImage('jpeg', 800, 600), { name: 'cat.jpg' })
    const sent = await send(alice, direct, 'image', { fileId: image.fileId, mime: 'text/html', width: 1, size: 5 })
    expect(sent.status).toBe(201)
    expect(sent.body.message.content).toEqual({
      fileId: image.fileId,
      mime: 'image/jpeg',
      size: image.size,
      width: 800,
      height: 600,
      thumbnail: { width: 320, height: 240 },
    })
    const pushed = await bobSock.next('message.created')
    expect(pushed.message).toEqual(sent.body.message)

    const pdf = await uploadOk(alice, pdfBytes(), { name: 'minutes.pdf', type: 'image/png' })
    const file = await send(alice, direct, 'file', { fileId: pdf.fileId, name: 'evil.html' })
    expect(file.status).toBe(201)
    expect(file.body.message.content).toEqual({
      fileId: pdf.fileId,
      mime: 'application/pdf',
      size: pdf.size,
      name: 'minutes.pdf',
      kind: 'file',
    })

    const wav = await uploadOk(alice, wavBytes(1000), { name: 'hi.wav', kind: 'voice' })
    const voice = await send(alice, direct, 'voice', { fileId: wav.fileId, durationMs: 3_600_000 })
    expect(voice.status).toBe(201)
    // an hour of audio cannot fit in 16 KB: clamped to size / 500 B/s
    expect(voice.body.message.content).toEqual({
      fileId: wav.fileId,
      mime: 'audio/wav',
      size: wav.size,
      durationMs: Math.floor((wav.size / 500) * 1000),
    })
    const honest = await send(alice, direct, 'voice', { fileId: wav.fileId, durationMs: 1000 })
    expect(honest.body.message.content.durationMs).toBe(1000)

    const mp4 = await uploadOk(alice, mp4Bytes(200_000), { name: 'clip.mp4', kind: 'video' })
    const video = await send(alice, direct, 'video', { fileId: mp4.fileId, durationMs: 42_000 })
    expect(video.status).toBe(201)
    expect(video.body.message.content).toEqual({
      fileId: mp4.fileId,
      mime: 'video/mp4',
      size: mp4.size,
      name: 'clip.mp4',
      durationMs: 42_000,
    })
    expect((await bobSock.settle('message.created', 200)).length).toBe(5)

    // the recipient can fetch all of them
    for (const f of [image, pdf, wav, mp4]) expect(await status(bob, `/files/${f.fileId}`)).toBe(200)
    expect(await status(bob, `/files/${image.fileId}/thumbnail`)).toBe(200)
  })

  it("should refuse someone else's upload (404), an unknown id (404) and the wrong kind for the type (422)", async () => {
    const bobs = await uploadOk(bob, await makeImage('png', 20, 20))
    const notMine = await send(alice, direct, 'image', { fileId: bobs.fileId })
    expect(notMine.status).toBe(404)
    expect(notMine.body.error.code).toBe('file.not_found')
    const unknown = await send(alice, direct, 'file', { fileId: '01ARZ3NDEKTSV4RRFFQ69G5FAV' })
    expect(unknown.status).toBe(404)
    const pdf = await uploadOk(alice, pdfBytes())
    const wrongKind = await send(alice, direct, 'image', { fileId: pdf.fileId })
    expect(wrongKind.status).toBe(422)
    expect(wrongKind.body.error.code).toBe('file.type_mismatch')
    const voiceAsImage = await send(alice, direct, 'voice', { fileId: (await uploadOk(alice, await makeImage('png', 5, 5))).fileId })
    expect(voiceAsImage.status).toBe(422)
    const noId = await send(alice, direct, 'image', { url: 'http://example.invalid/x.png' })
    expect(noId.status).toBe(400)
    // an image may still be sent as a plain file attachment
    const img = await uploadOk(alice, await makeImage('png', 5, 5), { name: 'dot.png' })
    const asFile = await send(alice, direct, 'file', { fileId: img.fileId })
    expect(asFile.status).toBe(201)
    expect(asFile.body.message.content).toMatchObject({ kind: 'image', name: 'dot.png' })
  })

  it('should keep a trimmed caption on image, file and video messages, drop a blank one, and refuse a bad one with what to fix', async () => {
    const image = await uploadOk(alice, await makeImage('png', 40, 30), { name: 'beach.png' })
    const captioned = await send(alice, direct, 'image', { fileId: image.fileId, caption: '  Sunset at the 海滩 🌅  ' })
    expect(captioned.status).toBe(201)
    expect(captioned.body.message.content).toMatchObject({ fileId: image.fileId, width: 40, caption: 'Sunset at the 海滩 🌅' })
    const pdf = await uploadOk(alice, pdfBytes(), { name: 'notes.pdf' })
    const file = await send(alice, direct, 'file', { fileId: pdf.fileId, caption: 'Minutes, page 2' })
    expect(file.body.message.content).toMatchObject({ name: 'notes.pdf', caption: 'Minutes, page 2' })
    const mp4 = await uploadOk(alice, mp4Bytes(20_000), { name: 'wave.mp4', kind: 'video' })
    const video = await send(alice, direct, 'video', { fileId: mp4.fileId, caption: 'Waves' })
    expect(video.body.message.content.caption).toBe('Waves')
    // read back as stored, not only as answered
    const history = await alice.api.get(`/conversations/${direct}/messages?limit=3`)
    expect(history.body.items.map((m: { content: { caption?: string } }) => m.content.caption)).toEqual([
      'Sunset at the 海滩 🌅',
      'Minutes, page 2',
      'Waves',
    ])

    const blank = await send(alice, direct, 'image', { fileId: image.fileId, caption: '   ' })
    expect(blank.status).toBe(201)
    expect(blank.body.message.content).not.toHaveProperty('caption')
    const wav = await uploadOk(alice, wavBytes(1000), { name: 'hi.wav', kind: 'voice' })
    const voice = await send(alice, direct, 'voice', { fileId: wav.fileId, caption: 'a voice clip has none' })
    expect(voice.status).toBe(201)
    expect(voice.body.message.content).not.toHaveProperty('caption')

    const notText = await send(alice, direct, 'image', { fileId: image.fileId, caption: 42 })
    expect(notText.status).toBe(400)
    expect(notText.body.error).toMatchObject({ code: 'request.invalid', details: [{ field: 'content.caption' }] })
    expect(notText.body.error.message).toContain('caption must be a string')
    const tooLong = await send(alice, direct, 'file', { fileId: pdf.fileId, caption: '字'.repeat(1025) })
    expect(tooLong.status).toBe(400)
    expect(tooLong.body.error.message).toContain('longer than 1024 characters')
    const justFits = await send(alice, direct, 'file', { fileId: pdf.fileId, caption: '字'.repeat(1024) })
    expect(justFits.status).toBe(201)
  })

  it('should let a member download a message file and give a stranger 404 for it, its thumbnail and its URL', async () => {
    const image = await uploadOk(alice, await makeImage('png', 400, 400))
    // before it is used, only the owner may see it
    expect(await status(bob, `/files/${image.fileId}`)).toBe(404)
    expect((await send(alice, direct, 'image', { fileId: image.fileId })).status).toBe(201)
    expect(await status(alice, `/files/${image.fileId}`)).toBe(200)
    expect(await status(bob, `/files/${image.fileId}`)).toBe(200)
    expect(await status(bob, `/files/${image.fileId}/thumbnail`)).toBe(200)
    expect(await status(carol, `/files/${image.fileId}`)).toBe(404)
    expect(await status(carol, `/files/${image.fileId}/thumbnail`)).toBe(404)
    const url = await carol.api.get(`/files/${image.fileId}/url`)
    expect(url.status).toBe(404)
    expect(url.body.error.code).toBe('file.not_found')
  })

  it("should take a recalled message's file away from the other members", async () => {
    const pdf = await uploadOk(alice, pdfBytes())
    const sent = await send(alice, direct, 'file', { fileId: pdf.fileId })
    expect(await status(bob, `/files/${pdf.fileId}`)).toBe(200)
    const recall = await alice.api.delete(`/conversations/${direct}/messages/${sent.body.message.seq}`)
    expect(recall.status).toBeLessThan(300)
    expect(await status(bob, `/files/${pdf.fileId}`)).toBe(404)
    expect(await status(alice, `/files/${pdf.fileId}`)).toBe(200)
  })

  it('should follow group membership: files within my [join, leave] range only, 404 after removal and before joining', async () => {
    const created = await alice.api.post('/groups', { name: 'Photo club 📷', memberIds: [bob.id, carol.id] })
    expect(created.status).toBe(201)
    const group = created.body.group
    const before = await uploadOk(alice, await makeImage('webp', 300, 200))
    expect((await send(alice, group.conversationId, 'image', { fileId: before.fileId })).status).toBe(201)
    expect(await status(carol, `/files/${before.fileId}`)).toBe(200)
    expect(await status(carol, `/files/${before.fileId}/thumbnail`)).toBe(200)

    expect((await alice.api.delete(`/groups/${group.id}/members/${carol.id}`)).status).toBe(204)
    const after = await uploadOk(alice, await makeImage('png', 120, 80))
    expect((await send(alice, group.conversationId, 'image', { fileId: after.fileId })).status).toBe(201)
    expect(await status(bob, `/files/${after.fileId}`)).toBe(200)
    // removed: what was posted after her removal notice is 404, file, thumbnail and URL alike
    expect(await status(carol, `/files/${after.fileId}`)).toBe(404)
    expect(await status(carol, `/files/${after.fileId}/thumbnail`)).toBe(404)
    expect((await carol.api.get(`/files/${after.fileId}/url`)).status).toBe(404)
    // what her history still shows (seq <= left_seq) stays readable, like the message itself
    const history = await carol.api.get(`/conversations/${group.conversationId}/messages`)
    expect(history.body.items.map((m: any) => m.content.fileId)).toContain(before.fileId)
    expect(history.body.items.map((m: any) => m.content.fileId)).not.toContain(after.fileId)
    expect(await status(carol, `/files/${before.fileId}`)).toBe(200)

    // joined later: nothing from before the join
    const invited = await alice.api.post(`/groups/${group.id}/members`, { userIds: [dave.id] })
    expect(invited.status).toBeLessThan(300)
    expect(await status(dave, `/files/${before.fileId}`)).toBe(404)
    expect(await status(dave, `/files/${after.fileId}`)).toBe(404)
    const later = await uploadOk(bob, await makeImage('gif', 30, 30))
    expect((await send(bob, group.conversationId, 'image', { fileId: later.fileId })).status).toBe(201)
    expect(await status(dave, `/files/${later.fileId}`)).toBe(200)
    expect(await status(carol, `/files/${later.fileId}`)).toBe(404)
  })

  it('should check access again when a signed URL is used (the message was recalled after signing)', async () => {
    const created = await alice.api.post('/groups', { name: 'Short-lived', memberIds: [bob.id] })
    const group = created.body.group
    const pdf = await uploadOk(bob, pdfBytes(), { name: 'later.pdf' })
    expect((await send(bob, group.conversationId, 'file', { fileId: pdf.fileId })).status).toBe(201)
    const aliceUrl = await alice.api.get(`/files/${pdf.fileId}/url`)
    expect((await download(t.url + aliceUrl.body.url)).status).toBe(200)
    // recalled by its sender: alice's still-unexpired URL stops working at once
    const seq = (await alice.api.get(`/conversations/${group.conversationId}/messages`)).body.items.at(-1).seq
    expect((await bob.api.delete(`/conversations/${group.conversationId}/messages/${seq}`)).status).toBeLessThan(300)
    expect((await download(t.url + aliceUrl.body.url)).status).toBe(404)
  })

  it('should give short-lived signed URLs that work without a token and stop working after ~5 minutes', async () => {
    const image = await uploadOk(alice, await makeImage('png', 640, 480))
    await send(alice, direct, 'image', { fileId: image.fileId })
    const res = await bob.api.get(`/files/${image.fileId}/url`)
    expect(res.status).toBe(200)
    expect(Date.parse(res.body.expiresAt)).toBe(Math.floor(clock.now() / 1000) * 1000 + 300_000)
    const url: string = res.body.url
    expect(url).toMatch(new RegExp(`^/api/v1/files/${image.fileId}/content\\?u=${bob.id}&exp=\\d+&sig=[A-Za-z0-9_-]+$`))
    expect(url).not.toContain(bob.token)

    const got = await download(t.url + url)
    expect(got.status).toBe(200)
    expect(got.headers.get('content-type')).toBe('image/png')
    expect(got.headers.get('x-content-type-options')).toBe('nosniff')
    expect(got.headers.get('content-security-policy')).toBe("default-src 'none'; sandbox")
    expect(await sharp(got.bytes).metadata()).toMatchObject({ width: 640, height: 480 })

    const thumbUrl = await bob.api.get(`/files/${image.fileId}/url?variant=thumbnail`)
    expect(thumbUrl.body.url).toContain(`/files/${image.fileId}/thumbnail/content?`)
    const thumb = await download(t.url + thumbUrl.body.url)
    expect(await sharp(thumb.bytes).metadata()).toMatchObject({ format: 'webp', width: 320, height: 240 })
    // a thumbnail signature does not open the original, nor one user's URL another user's name
    expect((await download(t.url + thumbUrl.body.url.replace('/thumbnail/content', '/content'))).status).toBe(404)
    expect((await download(t.url + url.replace(`u=${bob.id}`, `u=${alice.id}`))).status).toBe(404)
    const sig = new URL(t.url + url).searchParams.get('sig')!
    const tampered = url.replace(`sig=${sig}`, `sig=${sig.startsWith('A') ? 'B' : 'A'}${sig.slice(1)}`)
    expect((await download(t.url + tampered)).status).toBe(404)
    expect((await download(t.url + url.replace(/exp=(\d+)/, (_m, e) => `exp=${Number(e) + 3600}`))).status).toBe(404)
    expect((await download(`${t.url}/api/v1/files/${image.fileId}/content`)).status).toBe(404)

    clock.advance(299_000)
    expect((await download(t.url + url)).status).toBe(200)
    clock.advance(2_000)
    const expired = await download(t.url + url)
    expect(expired.status).toBe(404)
    expect(JSON.parse(expired.bytes.toString()).error.code).toBe('file.not_found')
  })

  it('should set my avatar from an image I uploaded, visible to any signed-in user, and clear it with null', async () => {
    const avatar = await uploadOk(alice, await makeImage('png', 256, 256), { name: 'me.png' })
    const set = await alice.api.patch('/me', { avatar: avatar.fileId, nickname: 'Alice 🌸' })
    expect(set.status).toBe(200)
    expect(set.body).toMatchObject({ avatarFileId: avatar.fileId, nickname: 'Alice 🌸' })
    expect((await carol.api.get(`/users/${alice.id}`)).body.avatarFileId).toBe(avatar.fileId)
    const stranger = await createUser(t.url, 'eve')
    expect(await status(stranger, `/files/${avatar.fileId}`)).toBe(200)
    expect(await status(stranger, `/files/${avatar.fileId}/thumbnail`)).toBe(200)
    expect((await download(`${t.url}/api/v1/files/${avatar.fileId}`)).status).toBe(401)

    const pdf = await uploadOk(alice, pdfBytes())
    const notImage = await alice.api.patch('/me', { avatar: pdf.fileId })
    expect(notImage.status).toBe(422)
    expect(notImage.body.error.code).toBe('file.type_mismatch')
    const bobs = await uploadOk(bob, await makeImage('png', 16, 16))
    const notMine = await alice.api.patch('/me', { avatar: bobs.fileId })
    expect(notMine.status).toBe(404)
    expect((await alice.api.get('/me')).body.avatarFileId).toBe(avatar.fileId)

    // a new avatar replaces the old one's ref; clearing removes it
    const next = await uploadOk(alice, await makeImage('jpeg', 128, 128))
    expect((await alice.api.patch('/me', { avatar: next.fileId })).body.avatarFileId).toBe(next.fileId)
    expect(await status(stranger, `/files/${avatar.fileId}`)).toBe(404)
    expect(await status(stranger, `/files/${next.fileId}`)).toBe(200)
    const cleared = await alice.api.patch('/me', { avatar: null })
    expect(cleared.body.avatarFileId).toBeNull()
    expect(await status(stranger, `/files/${next.fileId}`)).toBe(404)
    expect(await status(alice, `/files/${next.fileId}`)).toBe(200)
  })

  it('should set group avatars from an image the acting owner or admin uploaded', async () => {
    const eve = await createUser(t.url, 'eve')
    const mine = await uploadOk(alice, await makeImage('png', 96, 96))
    const bobs = await uploadOk(bob, await makeImage('png', 96, 96))
    const refused = await alice.api.post('/groups', { name: 'Not with that', avatar: bobs.fileId })
    expect(refused.status).toBe(404)
    expect(refused.body.error.code).toBe('file.not_found')

    const created = await alice.api.post('/groups', { name: 'Avatars', avatar: mine.fileId, memberIds: [bob.id] })
    expect(created.status).toBe(201)
    expect(created.body.group.avatarFileId).toBe(mine.fileId)
    expect(await status(eve, `/files/${mine.fileId}`)).toBe(200)

    // a plain member may not change it, and their file does not become public on the way
    const byMember = await bob.api.patch(`/groups/${created.body.group.id}`, { avatar: bobs.fileId })
    expect(byMember.status).toBe(403)
    expect(await status(eve, `/files/${bobs.fileId}`)).toBe(404)

    const next = await uploadOk(alice, await makeImage('webp', 96, 96))
    const changed = await alice.api.patch(`/groups/${created.body.group.id}`, { avatar: next.fileId })
    expect(changed.status).toBe(200)
    expect(changed.body.avatarFileId).toBe(next.fileId)
    expect(await status(eve, `/files/${next.fileId}`)).toBe(200)
    expect(await status(eve, `/files/${mine.fileId}`)).toBe(404)
  })

  it('should send stickers from the bundled set only', async () => {
    const ok = await send(alice, direct, 'sticker', { stickerId: 'cat' })
    expect(ok.status).toBe(201)
    expect(ok.body.message.content).toEqual({ stickerId: 'cat' })
    const unknown = await send(alice, direct, 'sticker', { stickerId: '../manifest' })
    expect(unknown.status).toBe(400)
  })

  it('should collect uploads nothing uses a day after upload, and keep used ones', async () => {
    const unused = await uploadOk(alice, await makeImage('png', 50, 50))
    const used = await uploadOk(alice, pdfBytes())
    await send(alice, direct, 'file', { fileId: used.fileId })
    const avatar = await uploadOk(bob, await makeImage('png', 50, 50))
    await bob.api.patch('/me', { avatar: avatar.fileId })

    clock.advance(23 * 3600_000)
    expect(await t.app.files.sweepUnreferenced()).toBe(0)
    expect(await status(alice, `/files/${unused.fileId}`)).toBe(200)

    clock.advance(2 * 3600_000)
    const fresh = await uploadOk(alice, pdfBytes())
    expect(await t.app.files.sweepUnreferenced()).toBeGreaterThanOrEqual(1)
    expect(await status(alice, `/files/${unused.fileId}`)).toBe(404)
    expect(await status(alice, `/files/${unused.fileId}/thumbnail`)).toBe(404)
    expect(await status(alice, `/files/${used.fileId}`)).toBe(200)
    expect(await status(bob, `/files/${used.fileId}`)).toBe(200)
    expect(await status(carol, `/files/${avatar.fileId}`)).toBe(200)
    expect(await status(alice, `/files/${fresh.fileId}`)).toBe(200)
    // a collected upload can no longer be sent
    expect((await send(alice, direct, 'image', { fileId: unused.fileId })).status).toBe(404)
  })
})
