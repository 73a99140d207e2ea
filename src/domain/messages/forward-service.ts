import type { ConversationKind } from '../conversations/conversation.js'
import { visibleRange } from '../conversations/conversation-service.js'
import { AppError } from '../errors.js'
import type { FileService } from '../files/file-service.js'
import { toPublicUser } from '../users/user.js'
import { fileIdsOf, type Message } from './message.js'
import type { MessageService } from './message-service.js'
import { checkSendPolicy } from './send-policy.js'
import type { MessageActionDeps } from './visible-message.js'

/** Room left under MySQL's 64 KiB TEXT column for a merged forward's content. */
export const MERGED_MAX_BYTES = 60_000

export interface ForwardDeps extends MessageActionDeps {
  messages: MessageService
  files: Pick<FileService, 'metadata'>
  maxMessages: number
  maxTargets: number
}

export interface ForwardInput {
  seqs: number[]
  targets: string[]
  mode: 'single' | 'merged'
  clientMsgId: string
}

/** Who a forwarded message came from: shown as a name, since others may not open the source. */
interface Origin {
  senderId: string | null
  senderName: string
}

/**
 * Forwarding: messages the caller may read in one conversation, to conversations they may post
 * in. `single` copies each message (same type and content, `forwarded` naming the original
 * sender); `merged` sends one `forward` message holding the list (a chat history). Files are
 * re-checked (the forwarder must be able to read each one) and the copies' refs give the
 * recipients access. Mentions and replies are dropped: they point into the source conversation.
 */
export class ForwardService {
  readonly #d: ForwardDeps

  constructor(deps: ForwardDeps) {
    this.#d = deps
  }

  async forward(userId: string, sourceId: string, input: ForwardInput): Promise<Array<{ conversationId: string; messages: Message[] }>> {
    const seqs = [...new Set(input.seqs)].sort((a, b) => a - b)
    const targets = [...new Set(input.targets)]
    this.#checkCounts(seqs.length, targets.length, input.mode)
    const sources = await this.#readable(userId, sourceId, seqs)
    const nested = input.mode === 'merged' ? sources.find((m) => m.type === 'forward') : undefined
    if (nested) throw new AppError('forward.not_forwardable', undefined, { details: [{ field: 'seqs', seq: nested.seq }] })
    // every target authorized and every copy charged to the send limits before any is stored: an
    // ordinary refusal (a target I may not post in, too many sends) stores nothing anywhere
    const kinds: ConversationKind[] = []
    for (const target of targets) {
      const facts = await this.#d.facts.load(target, userId)
      checkSendPolicy(facts, null, this.#d.clock.now())
      kinds.push(facts.kind)
    }
    await this.#d.limiter(userId)
    const origins = await this.#origins(sources)
    const copies =
      input.mode === 'merged'
        ? [{ type: 'forward' as const, content: await this.#mergedContent(userId, sourceId, sources, origins) }]
        : sources.map((m) => ({ type: m.type, content: copyContent(m, origins.get(m.seq)!) }))
    for (const kind of kinds) await this.#d.messages.chargeSends(userId, kind, copies.length)
    // What can still fail from here is not a refusal known in advance (a fact that changed meanwhile,
    // the database): the answer is that error and the copies stored before it stay. Each copy is
    // idempotent in its conversation (merged: `clientMsgId`; single: `<clientMsgId>:<index>`), so a
    // retry with the same clientMsgId returns the stored copies and stores only the missing ones.
    const results: Array<{ conversationId: string; messages: Message[] }> = []
    for (const target of targets) {
      const messages: Message[] = []
      for (const [i, copy] of copies.entries()) {
        const clientMsgId = input.mode === 'merged' ? input.clientMsgId : `${input.clientMsgId}:${i}`
        messages.push((await this.#d.messages.sendPrepared(userId, target, { clientMsgId, ...copy })).message)
      }
      results.push({ conversationId: target, messages })
    }
    this.#d.logger.info(
      { event: 'message.forwarded', userId, sourceId, mode: input.mode, count: seqs.length, targets },
      'messages forwarded',
    )
    return results
  }

  #checkCounts(messages: number, targets: number, mode: ForwardInput['mode']): void {
    const { maxMessages, maxTargets } = this.#d
    const bad = (field: string, text: string): never => {
      throw new AppError('request.invalid', text, {
        details: [{ field, problem: 'count', max: field === 'targets' ? maxTargets : maxMessages }],
      })
    }
    if (messages === 0 || messages > maxMessages) bad('seqs', `Forward 1 to ${maxMessages} messages at a time.`)
    if (targets === 0 || targets > maxTargets) bad('targets', `Forward to 1 to ${maxTargets} conversations at a time.`)
    // one by one, each copy is a send: bound the copies, not only the lists
    if (mode === 'single' && messages * targets > maxMessages)
      bad('seqs', `A one-by-one forward makes at most ${maxMessages} copies (messages × conversations); merge them instead.`)
  }

  /** The messages, each inside the caller's visible range, not recalled, not a system message; files readable. */
  async #readable(userId: string, sourceId: string, seqs: number[]): Promise<Message[]> {
    const range = visibleRange(await this.#d.conversations.summary(sourceId, userId))
    const messages: Message[] = []
    for (const seq of seqs) {
      const m = seq >= range.minSeq && seq <= range.maxSeq ? await this.#d.store.messages.findBySeq(sourceId, seq) : null
      if (!m) throw new AppError('message.not_found', `Message ${seq} is not one you can see.`, { details: [{ field: 'seqs', seq }] })
      if (m.recalledAt !== null) throw new AppError('forward.recalled', undefined, { details: [{ field: 'seqs', seq }] })
      if (m.type === 'system') throw new AppError('forward.not_forwardable', undefined, { details: [{ field: 'seqs', seq }] })
      for (const fileId of fileIdsOf(m)) await this.#d.files.metadata(userId, fileId)
      messages.push(m)
    }
    return messages
  }

  /** Per source seq, the original sender (kept through a chain of forwards) and their name now. */
  async #origins(sources: Message[]): Promise<Map<number, Origin>> {
    const ids = [...new Set(sources.map((m) => m.senderId).filter((id): id is string => id !== null))]
    const names = new Map((await this.#d.store.users.findByIds(ids)).map((u) => [u.id, toPublicUser(u).nickname]))
    return new Map(
      sources.map((m) => {
        const earlier = m.content.forwarded as Origin | undefined
        return [m.seq, earlier ?? { senderId: m.senderId, senderName: (m.senderId && names.get(m.senderId)) || '' }]
      }),
    )
  }

  async #mergedContent(userId: string, sourceId: string, sources: Message[], origins: Map<number, Origin>) {
    const s = await this.#d.conversations.summary(sourceId, userId)
    let source: Record<string, unknown>
    if (s.group) source = { kind: 'group', name: s.group.name }
    else {
      const users = await this.#d.store.users.findByIds([userId, ...(s.peerId ? [s.peerId] : [])])
      source = { kind: s.conversation.kind, names: users.map((u) => toPublicUser(u).nickname) }
    }
    const items = sources.map((m) => {
      const { forwarded: _forwarded, ...content } = copyContent(m, origins.get(m.seq)!)
      const origin = origins.get(m.seq)!
      return {
        senderId: origin.senderId,
        senderName: origin.senderName,
        type: m.type,
        content,
        createdAt: new Date(m.createdAt).toISOString(),
      }
    })
    const content = { source, items }
    if (Buffer.byteLength(JSON.stringify(content)) > MERGED_MAX_BYTES)
      throw new AppError(
        'request.too_large',
        `These messages together are larger than one chat history holds (${MERGED_MAX_BYTES} bytes); forward fewer.`,
      )
    return content
  }
}

/** A copy of a message's content for another conversation: no mentions or reply (they point into the source). */
function copyContent(m: Message, origin: Origin): Record<string, unknown> {
  const { mentions: _mentions, replyTo: _replyTo, forwarded: _forwarded, ...rest } = m.content
  return { ...rest, forwarded: origin }
}
