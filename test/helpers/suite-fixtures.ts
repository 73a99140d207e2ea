import { afterAll, beforeAll } from 'vitest'
import { createUser, type TestUser } from './api-client.js'
import { befriend, directConversation } from './social.js'
import { startTestApp, type TestApp } from './test-app.js'
import { TestSocket } from './ws-client.js'

/** The app of a suite; filled by the suite's `beforeAll`, so read it inside tests. */
export interface SuiteApp {
  t: TestApp
}

type AppOptions = Parameters<typeof startTestApp>[0]

/**
 * Registers in the surrounding `describe` a test app for its tests, closed after them: on
 * `dialect` (default: env TEST_STORAGE, else SQLite) with these config overrides.
 */
export function useTestApp(options: AppOptions = {}): SuiteApp {
  const suite = {} as SuiteApp
  beforeAll(async () => {
    suite.t = await startTestApp(options)
  })
  afterAll(async () => {
    await suite.t?.close()
  })
  return suite
}

/** The cast of a messaging suite; filled by the suite's `beforeAll`, so read it inside tests. */
export interface DirectChat extends SuiteApp {
  /** alice and bob are friends with a direct conversation `conv` */
  alice: TestUser
  bob: TestUser
  /** a stranger to both */
  carol: TestUser
  conv: string
  /** a socket authenticated as `user`, closed after the suite */
  open(user: TestUser): Promise<TestSocket>
}

/** `useTestApp` with the cast of a messaging suite: alice and bob (friends) and carol. */
export function useDirectChat(options: AppOptions = {}): DirectChat {
  const sockets: TestSocket[] = []
  const chat = useTestApp(options) as DirectChat
  chat.open = async (user: TestUser) => {
    const socket = await TestSocket.open(chat.t.wsUrl, { token: user.token })
    sockets.push(socket)
    return socket
  }
  beforeAll(async () => {
    chat.alice = await createUser(chat.t.url, 'alice')
    chat.bob = await createUser(chat.t.url, 'bob')
    chat.carol = await createUser(chat.t.url, 'carol')
    await befriend(chat.alice, chat.bob)
    chat.conv = await directConversation(chat.alice, chat.bob)
  })
  afterAll(() => {
    for (const socket of sockets) socket.close()
  })
  return chat
}
