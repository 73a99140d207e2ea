import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { createUser, login, type TestUser } from '../helpers/api-client.js'
import { clusterServicesAvailable, startCluster, type TestCluster } from '../helpers/cluster.js'
import { FakePushService } from '../helpers/fake-push-service.js'
import { befriend, directConversation, sendText } from '../helpers/social.js'

/**
 * Web Push in a cluster: every instance signs with the same VAPID key (generated once, kept in the
 * database), and each push is sent once, by the instance that stored the message (or marked the read).
 */
describe('Web Push on two instances (postgres + Redis)', async () => {
  if (!(await clusterServicesAvailable('postgres'))) return
  let c: TestCluster
  let push: FakePushService
  let ann: TestUser
  let bob: TestUser
  let conv = ''
  const idle = () => Promise.all(c.nodes.map((n) => n.app.notifications.notifier.idle()))

  beforeAll(async () => {
    push = await new FakePushService().start()
    c = await startCluster({ dialect: 'postgres', size: 2, overrides: { 'push.allowInsecureEndpoints': true } })
    const [a, b] = c.nodes
    ann = await createUser(a!.url, 'cpann', { nickname: 'Ann' })
    bob = await login(b!.url, (await createUser(b!.url, 'cpbob', { nickname: 'Bob' })).username)
    await befriend(ann, bob)
    conv = await directConversation(ann, bob)
  }, 60_000)

  afterAll(async () => {
    await c?.close()
    await push?.stop()
  })

  it('should share one VAPID key and send each push once', async () => {
    const keys = await Promise.all(
      c.nodes.map(async (n) => (await fetch(`${n.url}/api/v1/push/config`, { headers: { authorization: `Bearer ${bob.token}` } })).json()),
    )
    expect(keys[0]).toEqual(keys[1])
    // node a stores a message while nobody has subscribed (it then skips push work), bob
    // subscribes on node b: node a hears of it through the broker and pushes the next message
    await sendText(ann, conv, 'before any device')
    await idle()
    const phone = push.device('cluster-phone')
    expect((await bob.api.post('/me/push-subscriptions', phone.subscription())).status).toBe(201)
    await sendText(ann, conv, 'once, please')
    await idle()
    expect(push.to(phone.name)).toEqual([{ kind: 'message', tag: `c:${conv}`, conversationId: conv, title: 'Ann', body: 'once, please' }])
    const seq = (await bob.api.get(`/conversations/${conv}`)).body.lastSeq
    await bob.api.post(`/conversations/${conv}/read`, { seq })
    await idle()
    expect(push.to(phone.name).map((p) => p.kind)).toEqual(['message', 'clear'])
  })
})
