/**
 * What the user does to messages: send (through the SDK outbox: over the socket, over HTTP while
 * it is down, kept and retried with the same clientMsgId until the server answers), retry or
 * discard a refused one, edit, recall, typing, and who read a message.
 */
import { ApiError, newClientMsgId } from '@jim/client'
import type { ClientMessageType, PinnedMessage, TextContent, UploadKind } from '../api/types.js'
import { applyChange, applyHidden } from '../store/chat-reducer.js'
import type { PendingMessage } from '../store/timeline.js'
import type { AppContext } from './context.js'

/** A typing frame at most this often per conversation (ms). */
const TYPING_EVERY_MS = 3000

export class MessageActions {
  readonly #c: AppContext
  readonly #lastTypingSent = new Map<string, number>()

  constructor(context: AppContext) {
    this.#c = context
  }

  /** Sends a text; it shows at once as pending and leaves that list when the stored message arrives. */
  send(conversationId: string, text: string, options: { mentions?: string[]; replyTo?: number | null } = {}): void {
    const trimmed = text.replace(/\s+$/, '')
    if (!trimmed.trim()) return
    const content: TextContent = { text: trimmed }
    if (options.mentions?.length) content.mentions = options.mentions
    if (options.replyTo) content.replyTo = options.replyTo
    this.sendContent(conversationId, 'text', { ...content })
  }

  /** Sends any message (text, media after upload, sticker, location) through the outbox. */
  sendContent(conversationId: string, type: ClientMessageType, content: Record<string, unknown>): void {
    const pending: PendingMessage = {
      clientMsgId: newClientMsgId(),
      conversationId,
      type,
      content,
      status: 'sending',
      createdAt: new Date().toISOString(),
      error: null,
    }
    this.#c.set((s) => ({ ...s, pending: { ...s.pending, [conversationId]: [...(s.pending[conversationId] ?? []), pending] } }))
    this.#queue(pending)
  }

  /** Queues messages saved before a reload (see SavedOutbox) with their own clientMsgIds, unless already shown. */
  restore(saved: readonly PendingMessage[]): void {
    for (const p of saved) {
      if (this.#c.state.pending[p.conversationId]?.some((x) => x.clientMsgId === p.clientMsgId)) continue
      this.#c.set((s) => ({ ...s, pending: { ...s.pending, [p.conversationId]: [...(s.pending[p.conversationId] ?? []), p] } }))
      this.#queue(p)
    }
  }

  /** Sends a refused message again with the SAME clientMsgId, so the server stores it once at most. */
  retry(conversationId: string, clientMsgId: string): void {
    const p = this.#c.state.pending[conversationId]?.find((x) => x.clientMsgId === clientMsgId)
    if (!p || p.status === 'sending') return
    this.#updatePending(p, { status: 'sending', error: null })
    this.#queue(p)
  }

  discard(conversationId: string, clientMsgId: string): void {
    this.#c.set((s) => ({
      ...s,
      pending: { ...s.pending, [conversationId]: (s.pending[conversationId] ?? []).filter((x) => x.clientMsgId !== clientMsgId) },
    }))
  }

  /**
   * The stored message reaches the timeline through the socket (the outbox hands it over, in
   * order with pushes), which also takes it off the pending list. Only a refusal lands here.
   */
  #queue(p: PendingMessage): void {
    this.#c.outbox
      .send({ conversationId: p.conversationId, type: p.type, content: p.content, clientMsgId: p.clientMsgId })
      .catch((err: unknown) => {
        if (err instanceof ApiError && err.code === 'cancelled') return // signed out
        this.#updatePending(p, { status: 'failed', error: err instanceof ApiError ? err.code : 'internal' })
        this.#c.notifyError(err)
      })
  }

  #updatePending(p: PendingMessage, patch: Partial<PendingMessage>): void {
    this.#c.set((s) => ({
      ...s,
      pending: {
        ...s.pending,
        [p.conversationId]: (s.pending[p.conversationId] ?? []).map((x) => (x.clientMsgId === p.clientMsgId ? { ...x, ...patch } : x)),
      },
    }))
  }

  /**
   * Uploads a file (image, voice, video or any file), then sends it as a message of that kind,
   * with the sender's caption (image, file, video; the server drops a blank one).
   */
  async sendFile(
    conversationId: string,
    file: Blob,
    name: string,
    kind: UploadKind,
    extra: { durationMs?: number; caption?: string } = {},
  ): Promise<boolean> {
    const { durationMs, caption } = extra
    try {
      const up = await this.#c.api.upload(file, name, kind, durationMs)
      const content: Record<string, unknown> = { fileId: up.fileId }
      if (durationMs !== undefined && (kind === 'voice' || kind === 'video')) content.durationMs = Math.round(durationMs)
      if (caption?.trim() && kind !== 'voice') content.caption = caption.trim()
      this.sendContent(conversationId, kind, content)
      return true
    } catch (err) {
      this.#c.notifyError(err)
      return false
    }
  }

  /** An error notice by dictionary key (e.g. no microphone). */
  warn(key: string): void {
    this.#c.notify({ kind: 'error', key })
  }

  /** Edits my text message (the server enforces the edit window). */
  async edit(conversationId: string, seq: number, text: string): Promise<boolean> {
    const trimmed = text.replace(/\s+$/, '')
    if (!trimmed.trim()) return false
    const old = this.#c.state.timelines[conversationId]?.messages.find((m) => m.seq === seq)
    const content: TextContent = { ...(old?.content as Partial<TextContent>), text: trimmed }
    try {
      const { message } = await this.#c.api.editMessage(conversationId, seq, content)
      this.#c.set((s) => applyChange(s, message))
      return true
    } catch (err) {
      this.#c.notifyError(err)
      return false
    }
  }

  /** Recalls a message: mine within the recall window, or a lower rank's in a group I manage. */
  async recall(conversationId: string, seq: number): Promise<void> {
    try {
      const { message } = await this.#c.api.recallMessage(conversationId, seq)
      this.#c.set((s) => applyChange(s, message))
    } catch (err) {
      this.#c.notifyError(err)
    }
  }

  /** Adds or takes back my reaction; the answer (and the push) carries the message's new `reactions`. */
  async toggleReaction(conversationId: string, seq: number, emoji: string, mine: boolean): Promise<void> {
    try {
      const { message } = mine ? await this.#c.api.unreact(conversationId, seq, emoji) : await this.#c.api.react(conversationId, seq, emoji)
      this.#c.set((s) => applyChange(s, message))
    } catch (err) {
      this.#c.notifyError(err)
    }
  }

  /** Pins or unpins a message; the conversation's `pins` follow. */
  async setPinned(conversationId: string, seq: number, pinned: boolean): Promise<void> {
    try {
      const { pins } = pinned ? await this.#c.api.pin(conversationId, seq) : await this.#c.api.unpin(conversationId, seq)
      this.#c.set((s) => {
        const c = s.conversations[conversationId]
        return c ? { ...s, conversations: { ...s.conversations, [conversationId]: { ...c, pins } } } : s
      })
    } catch (err) {
      this.#c.notifyError(err)
    }
  }

  /** The pinned messages with their content, for the pinned bar. */
  async pinnedMessages(conversationId: string): Promise<PinnedMessage[]> {
    try {
      return (await this.#c.api.pinnedMessages(conversationId)).items
    } catch {
      return []
    }
  }

  /** Deletes a message for me: gone from my devices (they get `message.hidden`), the others keep it. */
  async hide(conversationId: string, seq: number): Promise<void> {
    try {
      await this.#c.api.hideMessage(conversationId, seq)
      this.#c.set((s) => applyHidden(s, conversationId, seq))
    } catch (err) {
      this.#c.notifyError(err)
    }
  }

  /** Starts selecting messages in a conversation (with this one picked), or stops (null). */
  select(conversationId: string | null, seq?: number): void {
    this.#c.set((s) => ({ ...s, selection: conversationId ? { conversationId, seqs: seq ? [seq] : [] } : null }))
  }

  /** Picks or unpicks a message while selecting. */
  toggleSelected(conversationId: string, seq: number): void {
    this.#c.set((s) => {
      if (s.selection?.conversationId !== conversationId) return s
      const seqs = s.selection.seqs.includes(seq) ? s.selection.seqs.filter((x) => x !== seq) : [...s.selection.seqs, seq]
      return { ...s, selection: { conversationId, seqs } }
    })
  }

  /** Forwards messages one by one or merged into one chat history; true when sent. */
  async forward(conversationId: string, seqs: number[], targets: string[], mode: 'single' | 'merged'): Promise<boolean> {
    try {
      await this.#c.api.forward(conversationId, { seqs, targets, mode, clientMsgId: newClientMsgId() })
      this.#c.notify({ kind: 'info', key: 'forward.sent' })
      return true
    } catch (err) {
      this.#c.notifyError(err)
      return false
    }
  }

  sendTyping(conversationId: string): void {
    const now = Date.now()
    if (now - (this.#lastTypingSent.get(conversationId) ?? 0) < TYPING_EVERY_MS) return
    this.#lastTypingSent.set(conversationId, now)
    this.#c.socket.send({ type: 'typing', conversationId })
  }

  /** Who has read a message (ids; an empty list when the server only gives a count). */
  async readers(conversationId: string, seq: number): Promise<string[]> {
    try {
      const res = await this.#c.api.reads(conversationId, seq)
      const ids = (res.userIds ?? []).filter((id) => id !== this.#c.me)
      this.#c.ensureUsers(ids)
      return ids
    } catch (err) {
      this.#c.notifyError(err)
      return []
    }
  }
}
