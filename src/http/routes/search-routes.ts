import type { FastifyInstance } from 'fastify'
import type { TypeBoxTypeProvider } from '@fastify/type-provider-typebox'
import { SearchPage, SearchQuery } from '@jim/protocol'
import { messageView } from '../../domain/messages/message-view.js'
import type { SearchService } from '../../domain/search/search-service.js'
import { principalOf } from '../auth-hook.js'
import { withErrors } from '../schemas/common.js'

/** Message search: one endpoint for all of a user's conversations and (with conversationId) one chat. */
export function registerSearchRoutes(app: FastifyInstance, deps: { search: SearchService }): void {
  const r = app.withTypeProvider<TypeBoxTypeProvider>()
  const { search } = deps

  r.get(
    '/api/v1/search/messages',
    {
      schema: {
        tags: ['messages'],
        summary: 'Find the messages I may see by their text or file name, newest first, with the matches marked',
        description:
          'Substring search (Chinese and English alike), case-insensitive, within each conversation’s visible range ' +
          '(from join or last clear to leave). Recalled and system messages are never found; edited ones by their new text. ' +
          'Each hit carries the matched field cut into plain and `hit` pieces: render them as text, never as HTML.',
        querystring: SearchQuery,
        response: withErrors({ 200: SearchPage }, [400, 401, 404, 429]),
      },
    },
    async (request) => {
      const q = request.query
      const page = await search.search(principalOf(request).user.id, { ...q, limit: q.limit ?? 20 })
      return {
        items: page.items.map((h) => ({
          message: messageView(h.message),
          field: h.field,
          snippet: h.snippet.segments,
          truncatedStart: h.snippet.truncatedStart,
          truncatedEnd: h.snippet.truncatedEnd,
        })),
        nextCursor: page.nextCursor,
      }
    },
  )
}
