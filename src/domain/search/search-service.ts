import type { Logger } from 'pino'
import { isId } from '../../shared/ids.js'
import type { ConversationService } from '../conversations/conversation-service.js'
import { AppError } from '../errors.js'
import { CLIENT_MESSAGE_TYPES, type ClientMessageType, type Message } from '../messages/message.js'
import type { Store } from '../store.js'
import { highlight, plainSnippet, type Snippet } from './highlight.js'

/** Query length bounds in characters (code points); the same numbers as @jim/protocol's SEARCH_QUERY_*. */
export const QUERY_MIN_CHARS = 2
export const QUERY_MAX_CHARS = 100

/** A search as the transport hands it over: every field still a caller's string. */
export interface SearchInput {
  q: string
  conversationId?: string
  senderId?: string
  /** comma-separated message types */
  type?: string
  /** ISO 8601 times */
  from?: string
  to?: string
  cursor?: string
  limit: number
}

/** The fields a message is found by, in the order a hit is shown from (see 0013's SEARCH_TEXT). */
const SEARCHED_FIELDS = ['text', 'name', 'caption'] as const

export interface SearchResult {
  message: Message
  field: (typeof SEARCHED_FIELDS)[number]
  snippet: Snippet
}

const bad = (field: string, problem: string, message: string): never => {
  throw new AppError('search.filter_invalid', message, { details: [{ field, problem }] })
}

/**
 * Full-text search over the messages a user may see (issue 18): across their conversations or in one,
 * newest first, each hit with its matched field cut into highlighted pieces.
 */
export interface SearchDeps {
  store: Store
  conversations: ConversationService
  logger: Logger
  /** searches per user; throws AppError('rate_limited') */
  limiter: (userId: string) => Promise<void>
}

export class SearchService {
  readonly #d: SearchDeps

  constructor(deps: SearchDeps) {
    this.#d = deps
  }

  async search(userId: string, input: SearchInput): Promise<{ items: SearchResult[]; nextCursor: string | null }> {
    const text = checkQuery(input.q)
    const filters = checkFilters(input)
    await this.#d.limiter(userId)
    // a conversation filter names one the caller belongs or belonged to; else 404, as everywhere
    if (filters.conversationId !== undefined) await this.#d.conversations.summary(filters.conversationId, userId)
    const page = await this.#d.store.search.search({ userId, text, ...filters, limit: input.limit })
    const last = page.items.at(-1)
    this.#d.logger.debug({ event: 'search.messages', userId, queryChars: [...text].length, hits: page.items.length }, 'messages searched')
    return { items: page.items.map((m) => result(m, text)), nextCursor: page.hasMore && last ? last.id : null }
  }
}

function checkQuery(q: string): string {
  const text = q.trim()
  const chars = [...text].length
  if (chars < QUERY_MIN_CHARS || chars > QUERY_MAX_CHARS) {
    throw new AppError('search.query_invalid', `q must be ${QUERY_MIN_CHARS} to ${QUERY_MAX_CHARS} characters (it has ${chars}).`, {
      details: [{ field: 'q', problem: chars < QUERY_MIN_CHARS ? 'too_short' : 'too_long', min: QUERY_MIN_CHARS, max: QUERY_MAX_CHARS }],
    })
  }
  return text
}

function checkFilters(input: SearchInput) {
  const out: { conversationId?: string; senderId?: string; types?: ClientMessageType[]; from?: number; to?: number; beforeId?: string } = {}
  if (input.conversationId !== undefined) {
    if (!isId(input.conversationId)) bad('conversationId', 'not_an_id', 'conversationId must be a conversation id.')
    out.conversationId = input.conversationId
  }
  if (input.senderId !== undefined) {
    if (!isId(input.senderId)) bad('senderId', 'not_an_id', 'senderId must be a user id.')
    out.senderId = input.senderId
  }
  if (input.type !== undefined) {
    const types = [...new Set(input.type.split(',').map((t) => t.trim()))]
    const unknown = types.filter((t) => !(CLIENT_MESSAGE_TYPES as readonly string[]).includes(t))
    if (unknown.length > 0) bad('type', 'enum', `type must list some of ${CLIENT_MESSAGE_TYPES.join(', ')} (not "${unknown[0]}").`)
    out.types = types as ClientMessageType[]
  }
  for (const field of ['from', 'to'] as const) {
    const value = input[field]
    if (value === undefined) continue
    const ms = /^\d{4}-\d{2}-\d{2}/.test(value) ? Date.parse(value) : NaN
    if (Number.isNaN(ms)) bad(field, 'not_a_time', `${field} must be an ISO 8601 time, e.g. 2026-01-31T00:00:00Z.`)
    out[field] = ms
  }
  if (out.from !== undefined && out.to !== undefined && out.from > out.to) bad('to', 'before_from', 'to must not be before from.')
  if (input.cursor !== undefined) {
    if (!isId(input.cursor)) bad('cursor', 'invalid', 'cursor must be a nextCursor from a previous page.')
    out.beforeId = input.cursor
  }
  return out
}

function result(message: Message, query: string): SearchResult {
  const fields = SEARCHED_FIELDS.flatMap((field) => {
    const value = message.content[field]
    return typeof value === 'string' && value !== '' ? [{ field, value }] : []
  })
  for (const { field, value } of fields) {
    const snippet = highlight(value, query)
    if (snippet) return { message, field, snippet }
  }
  // found by the database's case folding, not JavaScript's: show the first field's start
  const first = fields[0] ?? { field: 'text' as const, value: '' }
  return { message, field: first.field, snippet: plainSnippet(first.value) }
}
