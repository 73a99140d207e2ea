import type { FastifyInstance } from 'fastify'
import { Type } from 'typebox'
import type { TypeBoxTypeProvider } from '@fastify/type-provider-typebox'
import { AppError } from '../../domain/errors.js'
import type { StickerSet } from '../../domain/stickers/sticker-set.js'

/** Our own SVGs: no script, no outside loads; inline styles only. */
const STICKER_CSP = "default-src 'none'; style-src 'unsafe-inline'; sandbox"

/** The bundled sticker set: the list (for pickers) and each SVG, both public and cacheable. */
export function registerStickerRoutes(app: FastifyInstance, deps: { stickers: StickerSet }): void {
  const r = app.withTypeProvider<TypeBoxTypeProvider>()
  const set = deps.stickers

  r.get(
    '/api/v1/stickers',
    {
      config: { public: true },
      schema: {
        tags: ['messages'],
        summary: 'The bundled sticker set; send one as a `sticker` message with {stickerId}',
        security: [],
        response: {
          200: Type.Object({
            name: Type.String(),
            items: Type.Array(Type.Object({ id: Type.String(), name: Type.String(), url: Type.String() })),
          }),
        },
      },
    },
    async (_request, reply) => {
      reply.header('cache-control', 'public, max-age=3600')
      return { name: set.name, items: set.stickers.map((s) => ({ ...s, url: `/stickers/${s.id}.svg` })) }
    },
  )

  r.get(
    '/stickers/:file',
    { config: { public: true }, schema: { hide: true, params: Type.Object({ file: Type.String({ maxLength: 64 }) }) } },
    async (request, reply) => {
      const match = /^([a-z0-9-]{1,32})\.svg$/.exec(request.params.file)
      const svg = match ? set.svgs.get(match[1]!) : undefined
      if (!svg) throw new AppError('sticker.not_found')
      return reply
        .header('content-type', 'image/svg+xml; charset=utf-8')
        .header('x-content-type-options', 'nosniff')
        .header('content-security-policy', STICKER_CSP)
        .header('cache-control', 'public, max-age=86400')
        .send(svg)
    },
  )
}
