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
  await d!.api.sdk.block(c!.id)
  const ab = await directConversation(a!, b!)
  const sent = []
  for (let i = 1; i <= 5; i++) sent.push(await sendText(i % 2 ? a! : b!, ab, `direct ${i}`))
  await a!.api.sdk.editMessage(ab, sent[0]!.seq, { text: 'direct 1 (edited)' })
  await b!.api.sdk.recallMessage(ab, sent[1]!.seq)
  await b!.api.sdk.markRead(ab, sent[2]!.seq)
  const ac = await directConversation(a!, c!)
  await sendText(a!, ac, 'to c')
  await sendText(c!, ac, 'to a')
  await c!.api.sdk.request('DELETE', `/conversations/${ac}/messages`)
  const { group } = await a!.api.sdk.createGroup({ name: 'Copied', memberIds: [b!.id, c!.id] })
  const g = group.conversationId!
  for (let i = 1; i <= 4; i++) await sendText([a!, b!, c!][i % 3]!, g, `group ${i}`)
  const image = await upload(baseUrl, a!, await makeImage('png', 40, 30), { name: 'dot.png' })
  if (image.status !== 201) throw new Error(`upload failed: ${image.status}`)
  await a!.api.sdk.send(g, { clientMsgId: 'img-1', type: 'image', content: { fileId: image.body.fileId } })
  await b!.api.sdk.markRead(g, 2)
  const world = (await a!.api.sdk.world()).id
  await sendText(a!, world, 'hello world')
  await d!.api.sdk.world()
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
    const list = await api.sdk.conversations()
    const histories: Record<string, unknown> = {}
    const files: Record<string, string> = {}
    for (const conversation of list.items) {
      const items = await fullHistory({ ...user, api }, conversation.id)
      histories[conversation.id] = items
      for (const m of items) {
        const fileId = m.content.fileId
        if (typeof fileId !== 'string') continue
        const got = await download(`${baseUrl}/api/v1/files/${fileId}`, user.token)
        files[fileId] = `${got.status} ${createHash('sha256').update(got.bytes).digest('hex')}`
      }
    }
    answers[user.username] = {
      conversations: list,
      histories,
      files,
      friends: await api.sdk.friends(),
      blocks: await api.sdk.blocks(),
    }
  }
  return answers
}
