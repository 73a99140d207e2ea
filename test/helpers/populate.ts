import { createHash } from 'node:crypto'
import { ApiClient, createUser, type TestUser } from './api-client.js'
import { fullHistory } from './history.js'
import { befriend, directConversation, sendText } from './social.js'
import { download, makeImage, upload } from './uploads.js'

/**
 * Fills an installation through the real API with one of everything a user sees: friends, a
 * block, a group, direct, group and world messages, an edit, a recall, read marks, a cleared
 * history and an image. Returns the users (their tokens stay valid if sessions are kept).
 */
export async function populateInstallation(baseUrl: string): Promise<TestUser[]> {
  const [a, b, c, d] = [
    await createUser(baseUrl, 'pa'),
    await createUser(baseUrl, 'pb'),
    await createUser(baseUrl, 'pc'),
    await createUser(baseUrl, 'pd'),
  ]
  await befriend(a!, b!, 'hello b')
  await befriend(a!, c!)
  await befriend(b!, c!)
  await must(d!.api.put(`/blocks/${c!.id}`))
  const ab = await directConversation(a!, b!)
  const sent = []
  for (let i = 1; i <= 5; i++) sent.push(await sendText(i % 2 ? a! : b!, ab, `direct ${i}`))
  await must(a!.api.patch(`/conversations/${ab}/messages/${sent[0].seq}`, { content: { text: 'direct 1 (edited)' } }))
  await must(b!.api.delete(`/conversations/${ab}/messages/${sent[1].seq}`))
  await must(b!.api.post(`/conversations/${ab}/read`, { seq: sent[2].seq }))
  const ac = await directConversation(a!, c!)
  await sendText(a!, ac, 'to c')
  await sendText(c!, ac, 'to a')
  await must(c!.api.delete(`/conversations/${ac}/messages`))
  const group = await must(a!.api.post('/groups', { name: 'Copied', memberIds: [b!.id, c!.id] }))
  const g = group.body.group.conversationId as string
  for (let i = 1; i <= 4; i++) await sendText([a!, b!, c!][i % 3]!, g, `group ${i}`)
  const image = await upload(baseUrl, a!, await makeImage('png', 40, 30), { name: 'dot.png' })
  if (image.status !== 201) throw new Error(`upload failed: ${image.status}`)
  await must(a!.api.post(`/conversations/${g}/messages`, { clientMsgId: 'img-1', type: 'image', content: { fileId: image.body.fileId } }))
  await must(b!.api.post(`/conversations/${g}/read`, { seq: 2 }))
  const world = (await a!.api.get('/conversations/world')).body.id as string
  await sendText(a!, world, 'hello world')
  await must(d!.api.get('/conversations/world'))
  await sendText(d!, world, 'hi all')
  return [a!, b!, c!, d!]
}

/**
 * What each user gets from the API: conversation list (with unread counts), every visible
 * history, friends, blocks, and a digest of each file a message carries.
 */
export async function apiAnswers(baseUrl: string, users: TestUser[]): Promise<Record<string, unknown>> {
  const answers: Record<string, unknown> = {}
  for (const user of users) {
    const api = new ApiClient(baseUrl, user.token)
    const list = await must(api.get('/conversations'))
    const histories: Record<string, unknown> = {}
    const files: Record<string, string> = {}
    for (const conversation of list.body.items ?? list.body) {
      const items = await fullHistory({ ...user, api }, conversation.id)
      histories[conversation.id] = items
      for (const m of items) {
        if (!m.content?.fileId) continue
        const got = await download(`${baseUrl}/api/v1/files/${m.content.fileId}`, user.token)
        files[m.content.fileId] = `${got.status} ${createHash('sha256').update(got.bytes).digest('hex')}`
      }
    }
    answers[user.username] = {
      conversations: list.body,
      histories,
      files,
      friends: (await must(api.get('/friends'))).body,
      blocks: (await must(api.get('/blocks'))).body,
    }
  }
  return answers
}

async function must<T extends { status: number; body: any }>(promise: Promise<T>): Promise<T> {
  const res = await promise
  if (res.status >= 300) throw new Error(`request failed: ${res.status} ${JSON.stringify(res.body)}`)
  return res
}
