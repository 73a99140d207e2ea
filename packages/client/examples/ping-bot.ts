import { JimClient } from '@jim/client'
import WebSocket from 'ws'

/** Signs in and answers "ping" with "pong" in every chat the account is in. */
export async function startPingBot(baseUrl: string, username: string, password: string): Promise<JimClient> {
  const client = new JimClient({ baseUrl, WebSocket })
  const me = await client.login(username, password)
  client.on('message', (message) => {
    const text = message.type === 'text' ? String(message.content.text ?? '') : ''
    if (message.senderId === me.id || text.trim().toLowerCase() !== 'ping') return
    client.send(message.conversationId, { text: 'pong' }).catch((err: Error) => console.error('pong failed:', err.message))
  })
  await client.connect() // resumes from every conversation's position, reconnects by itself
  return client
}

// JIM_URL=http://localhost:8080 BOT_USER=pingbot BOT_PASSWORD=... npx tsx packages/client/examples/ping-bot.ts
if (process.argv[1]?.endsWith('ping-bot.ts')) {
  const { JIM_URL = 'http://localhost:8080', BOT_USER = '', BOT_PASSWORD = '' } = process.env
  await startPingBot(JIM_URL, BOT_USER, BOT_PASSWORD)
  console.log(`ping bot ${BOT_USER} is listening on ${JIM_URL}`)
}
