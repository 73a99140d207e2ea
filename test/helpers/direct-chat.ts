import { afterAll, beforeAll } from 'vitest'
import { createUser, type TestUser } from './api-client.js'
import type { Dialect } from './databases.js'
import { befriend, directConversation } from './social.js'
import { startTestApp, type TestApp } from './test-app.js'
import { TestSocket } from './ws-client.js'

/** The cast of a messaging suite; filled by the suite's `beforeAll`, so read it inside tests. */
export interface DirectChat {
  t: TestApp
  /** alice and bob are friends with a direct conversation `conv` */
  alice: TestUser
  bob: TestUser
  /** a stranger to both */
  carol: TestUser
  conv: string
  /** a socket authenticated as `user`, closed after the suite */
  open(user: TestUser): Promise<TestSocket>
}

/**
 * Registers the set-up of a messaging suite in the surrounding `describe`: a test app on
 * `dialect` (default: env TEST_STORAGE, else SQLite) with these config overrides, and the cast.
 */
export function useDirectChat(options: { dialect?: Dialect; overrides?: Record<string, unknown> } = {}): DirectChat {
  const sockets: TestSocket[] = []
  const chat = {
    open: async (user: TestUser) => {
      const socket = await TestSocket.open(chat.t.wsUrl, { token: user.token })
      sockets.push(socket)
      return socket
    },
  } as DirectChat
  beforeAll(async () => {
    chat.t = await startTestApp(options)
    chat.alice = await createUser(chat.t.url, 'alice')
    chat.bob = await createUser(chat.t.url, 'bob')
    chat.carol = await createUser(chat.t.url, 'carol')
    await befriend(chat.alice, chat.bob)
    chat.conv = await directConversation(chat.alice, chat.bob)
  })
  afterAll(async () => {
    for (const socket of sockets) socket.close()
    await chat.t?.close()
  })
  return chat
}
