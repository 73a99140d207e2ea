import { Type, type Static } from 'typebox'
import { Message } from './messages.js'

/** Query length bounds, in characters (code points). */
export const SEARCH_QUERY_MIN_CHARS = 2
export const SEARCH_QUERY_MAX_CHARS = 100
/** Most hits per page; the default page is 20. */
export const SEARCH_PAGE_MAX = 50

/**
 * A piece of the matched field: plain text, `hit: true` where it matches the query. Clients render
 * each piece as text (a highlight for hits), never as HTML, so a message cannot inject markup.
 */
export const SearchSegment = Type.Object({ text: Type.String(), hit: Type.Boolean() })

/** One search result: the message and where it matched. */
export const SearchHit = Type.Object({
  message: Message,
  field: Type.Union([Type.Literal('text'), Type.Literal('name'), Type.Literal('caption')], {
    description: 'what matched: the text of a text message, the name of a file/image/video/location, or the caption of an image/file/video',
  }),
  snippet: Type.Array(SearchSegment, {
    description: 'the matched field around its first match (at most ~200 characters), cut into plain and hit pieces',
  }),
  truncatedStart: Type.Boolean({ description: 'the snippet starts after the beginning of the field' }),
  truncatedEnd: Type.Boolean({ description: 'the snippet stops before the end of the field' }),
})

/** `GET /search/messages` answer: newest first. */
export const SearchPage = Type.Object({
  items: Type.Array(SearchHit),
  nextCursor: Type.Union([Type.String(), Type.Null()], { description: 'pass as `cursor` for the next (older) page; null at the end' }),
})

/** `GET /search/messages` query parameters. */
export const SearchQuery = Type.Object(
  {
    q: Type.String({
      maxLength: 4096,
      description: `the text to find (substring, case-insensitive; ${SEARCH_QUERY_MIN_CHARS}–${SEARCH_QUERY_MAX_CHARS} characters)`,
    }),
    conversationId: Type.Optional(Type.String({ maxLength: 64, description: 'only this conversation (one I belong or belonged to)' })),
    senderId: Type.Optional(Type.String({ maxLength: 64, description: 'only messages from this user' })),
    type: Type.Optional(
      Type.String({ maxLength: 200, description: 'comma-separated message types: text, image, file, voice, video, location, sticker' }),
    ),
    from: Type.Optional(Type.String({ maxLength: 40, description: 'only messages sent at or after this ISO 8601 time' })),
    to: Type.Optional(Type.String({ maxLength: 40, description: 'only messages sent at or before this ISO 8601 time' })),
    cursor: Type.Optional(Type.String({ maxLength: 64, description: 'the previous page’s `nextCursor`' })),
    limit: Type.Optional(Type.Integer({ minimum: 1, maximum: SEARCH_PAGE_MAX, default: 20 })),
  },
  { additionalProperties: false },
)

export type SearchSegment = Static<typeof SearchSegment>
export type SearchHit = Static<typeof SearchHit>
export type SearchPage = Static<typeof SearchPage>
export type SearchQuery = Static<typeof SearchQuery>
