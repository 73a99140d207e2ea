import multipart from '@fastify/multipart'
import type { FastifyInstance, FastifyReply, FastifyRequest } from 'fastify'
import { Type } from 'typebox'
import type { TypeBoxTypeProvider } from '@fastify/type-provider-typebox'
import { AppError } from '../../domain/errors.js'
import { FILE_KINDS, type FileKind } from '../../domain/files/file.js'
import type { SpooledUpload } from '../../domain/files/upload-spool.js'
import { tooLarge, type FileService, type ServedFile } from '../../domain/files/file-service.js'
import type { FileVariant } from '../../domain/files/file-url-signer.js'
import { principalOf } from '../auth-hook.js'
import { parseRange } from '../byte-range.js'
import { drain, watchUploadRate, type UploadRateLimits } from '../upload-watchdog.js'
import { Id, IsoTime, withErrors } from '../schemas/common.js'
import { attachmentDisposition, fileView } from './file-views.js'

const Kind = Type.Union([Type.Literal('image'), Type.Literal('file'), Type.Literal('voice'), Type.Literal('video')])
const FileView = Type.Object({
  fileId: Id,
  kind: Kind,
  mime: Type.String(),
  size: Type.Integer(),
  name: Type.String({ description: 'the uploaded file name, for display only' }),
  sha256: Type.String(),
  width: Type.Optional(Type.Integer()),
  height: Type.Optional(Type.Integer()),
  durationMs: Type.Optional(Type.Integer()),
  thumbnail: Type.Optional(Type.Object({ width: Type.Integer(), height: Type.Integer(), mime: Type.String() })),
  createdAt: IsoTime,
})
const Params = Type.Object({ id: Type.String({ maxLength: 64 }) })
const SignedQuery = Type.Object({
  u: Type.Optional(Type.String({ maxLength: 64 })),
  exp: Type.Optional(Type.String({ maxLength: 16 })),
  sig: Type.Optional(Type.String({ maxLength: 128 })),
})
/** served files: the bytes are never a document that could run script in our origin */
const SANDBOX_CSP = "default-src 'none'; sandbox"

/**
 * Files: multipart upload, download (Bearer), thumbnails and short-lived signed URLs for
 * `<img>`/`<audio>`. Registered in its own encapsulated scope, so the multipart parser
 * exists for these routes only.
 */
export async function registerFileRoutes(app: FastifyInstance, deps: { files: FileService; limits: UploadRateLimits }): Promise<void> {
  const { files, limits } = deps
  await app.register(async (scope) => {
    await scope.register(multipart, {
      // the hard cap: busboy drops (but still reads) the bytes past it, and we answer 413
      limits: { fileSize: files.maxUploadBytes(), files: 1, fields: 4, fieldSize: 64, parts: 6, headerPairs: 50 },
      throwFileSizeLimit: false,
    })
    const r = scope.withTypeProvider<TypeBoxTypeProvider>()
    const tags = ['files']

    r.post(
      '/api/v1/files',
      {
        schema: {
          tags,
          summary:
            'Upload one file (multipart/form-data, field `file`; optional `kind` field before it, or ?kind=). The type is sniffed from the bytes; images are re-encoded and get a thumbnail.',
          querystring: Type.Object({ kind: Type.Optional(Kind) }, { additionalProperties: false }),
          response: withErrors({ 201: FileView }, [400, 401, 413, 422, 429]),
        },
      },
      async (request, reply) => {
        const userId = principalOf(request).user.id
        if (!request.isMultipart()) throw new AppError('file.missing')
        const leave = await files.beginUpload(userId)
        // a trickled body is cut: too few bytes per window aborts the receiving with 408
        const watchdog = watchUploadRate(request, limits)
        let spooled: SpooledUpload | null = null
        try {
          let kind: FileKind | undefined = request.query.kind
          let durationMs: number | undefined
          let name = ''
          const parts = request.parts()[Symbol.asyncIterator]()
          for (;;) {
            const next = await Promise.race([parts.next(), watchdog.tripped])
            if (next.done) break
            const part = next.value
            if (part.type === 'field') {
              const value = String(part.value)
              if (part.fieldname === 'kind') {
                if (!(FILE_KINDS as readonly string[]).includes(value))
                  throw new AppError('request.invalid', `kind must be one of ${FILE_KINDS.join(', ')}.`, { details: [{ field: 'kind' }] })
                kind = value as FileKind
              } else if (part.fieldname === 'durationMs' && /^\d{1,10}$/.test(value)) {
                durationMs = Number(value)
              }
              continue
            }
            if (part.fieldname !== 'file' || spooled) {
              await drain(part.file, watchdog.signal)
              continue
            }
            name = part.filename ?? ''
            spooled = await files.receive(part.file, kind, watchdog.signal)
            if (part.file.truncated) throw tooLarge(kind, files.maxBytes(kind))
          }
          watchdog.stop()
          if (!spooled) throw new AppError('file.missing')
          const file = await files.upload(userId, { spooled, name, kind, durationMs })
          spooled = null
          return reply.code(201).send(fileView(file))
        } catch (err) {
          // the client may still be sending: close the connection after the answer
          if (watchdog.signal.aborted) reply.header('connection', 'close')
          throw err
        } finally {
          watchdog.stop()
          leave()
          await files.discard(spooled)
        }
      },
    )
  })

  const r = app.withTypeProvider<TypeBoxTypeProvider>()
  const tags = ['files']
  const binary = { 200: Type.Unknown({ description: 'the file bytes' }) }

  // GET and HEAD share each handler: HEAD is answered from the metadata and never opens the bytes
  const getAndHead = ['GET', 'HEAD'] as ('GET' | 'HEAD')[]
  r.route({
    method: getAndHead,
    url: '/api/v1/files/:id',
    schema: {
      tags,
      summary: 'Download a file I may see (owner, a message I can see, an avatar). Supports a single Range (206/416) and HEAD.',
      params: Params,
      response: withErrors(binary, [401, 404, 416]),
    },
    handler: async (request, reply) =>
      send(request, reply, await files.open(principalOf(request).user.id, request.params.id, 'original'), 'no-store'),
  })

  r.route({
    method: getAndHead,
    url: '/api/v1/files/:id/thumbnail',
    schema: { tags, summary: "An image's thumbnail (WebP)", params: Params, response: withErrors(binary, [401, 404, 416]) },
    handler: async (request, reply) =>
      send(request, reply, await files.open(principalOf(request).user.id, request.params.id, 'thumbnail'), 'no-store'),
  })

  r.get(
    '/api/v1/files/:id/url',
    {
      schema: {
        tags,
        summary: 'A short-lived signed URL for <img>/<audio>/<video> (no token in it); valid for files.urlTtlSeconds',
        params: Params,
        querystring: Type.Object(
          { variant: Type.Optional(Type.Union([Type.Literal('original'), Type.Literal('thumbnail')])) },
          { additionalProperties: false },
        ),
        response: withErrors({ 200: Type.Object({ url: Type.String(), expiresAt: IsoTime }) }, [400, 401, 404]),
      },
    },
    async (request) => {
      const { url, expiresAt } = await files.signedUrl(principalOf(request).user.id, request.params.id, request.query.variant ?? 'original')
      return { url, expiresAt: new Date(expiresAt).toISOString() }
    },
  )

  const signed = (variant: FileVariant) => ({
    method: getAndHead,
    config: { public: true },
    schema: {
      tags,
      summary: `Serve a signed ${variant === 'thumbnail' ? 'thumbnail ' : ''}URL from GET /files/{id}/url (404 when invalid or expired). Supports a single Range (206/416) and HEAD.`,
      params: Params,
      querystring: SignedQuery,
      security: [],
      response: { 200: binary[200], 404: Type.Ref('ErrorBody'), 416: Type.Ref('ErrorBody') },
    },
  })
  r.route({
    ...signed('original'),
    url: '/api/v1/files/:id/content',
    handler: async (request, reply) =>
      send(request, reply, await files.openSigned(request.params.id, 'original', request.query), 'private, max-age=300'),
  })
  r.route({
    ...signed('thumbnail'),
    url: '/api/v1/files/:id/thumbnail/content',
    handler: async (request, reply) =>
      send(request, reply, await files.openSigned(request.params.id, 'thumbnail', request.query), 'private, max-age=300'),
  })
}

/**
 * Sends a file with the headers that keep it inert (nosniff, a CSP that sandboxes anything
 * rendered, `attachment` unless it is an image we re-encoded), streamed from the store. One
 * `Range: bytes=…` is honoured (206 with Content-Range; 416 outside the file), unless an
 * `If-Range` names another version. HEAD gets the same headers and no body, and reads no bytes.
 */
async function send(request: FastifyRequest, reply: FastifyReply, served: ServedFile, cacheControl: string): Promise<FastifyReply> {
  reply
    .header('content-type', served.mime)
    .header('x-content-type-options', 'nosniff')
    .header('content-security-policy', SANDBOX_CSP)
    .header('content-disposition', served.inline ? 'inline' : attachmentDisposition(served.file.name))
    .header('cache-control', cacheControl)
    .header('accept-ranges', 'bytes')
    .header('etag', served.etag)
  const ifRange = request.headers['if-range']
  const range = ifRange === undefined || ifRange === served.etag ? parseRange(request.headers.range, served.size) : null
  if (range === 'unsatisfiable') {
    reply.header('content-range', `bytes */${served.size}`)
    throw new AppError('file.range_not_satisfiable', `The range is outside the file of ${served.size} bytes.`, {
      details: { size: served.size },
    })
  }
  if (range) reply.code(206).header('content-range', `bytes ${range.start}-${range.end}/${served.size}`)
  reply.header('content-length', range ? range.end - range.start + 1 : served.size)
  if (request.method === 'HEAD') return reply.send()
  return reply.send(await served.open(range ?? undefined))
}
