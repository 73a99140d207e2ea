import type { Clock } from '../../shared/clock.js'
import type { FileRecordStore } from './file-record-store.js'
import { AppError } from '../errors.js'
import { fileIdsOf, type Message } from '../messages/message.js'
import type { FileService } from './file-service.js'
import type { FileKind } from './file.js'

/**
 * The send path's media step, called by MessageService: `resolve` after the content's shape
 * was validated (it needs the database), `attach` right after the message is stored and
 * before it is published.
 */
export interface MediaHook {
  /** Fills a media message's content from the sender's upload; other types pass through. */
  resolve(senderId: string, type: string, content: Record<string, unknown>): Promise<Record<string, unknown>>
  /** Records that the stored message uses its file (idempotent: a retried send repairs a missed write). */
  attach(message: Message): Promise<void>
}

/** Which upload kinds each media message type accepts (a `file` message may carry anything). */
const ACCEPTS: Record<string, readonly FileKind[]> = {
  image: ['image'],
  voice: ['voice'],
  video: ['video'],
  file: ['image', 'file', 'voice', 'video'],
}

/**
 * Media message contents are built from the stored metadata: `mime`, `size`, `name`,
 * `width`/`height` are never taken from the client; only `fileId`, for voice/video a
 * client-measured `durationMs` (clamped by kind and size), and an image/file/video `caption` are.
 */
export function createMediaHook(deps: { files: FileService; records: FileRecordStore; clock: Clock }): MediaHook {
  const { files, records, clock } = deps
  return {
    async resolve(senderId, type, content) {
      const accepts = ACCEPTS[type]
      if (!accepts) return content
      // a file that is not the sender's upload is 404, as if it did not exist
      const file = await files.ownFile(senderId, content.fileId as string)
      if (!accepts.includes(file.kind)) {
        throw new AppError(
          'file.type_mismatch',
          `A ${type} message needs a file uploaded as ${accepts.join(' or ')}; this one is ${file.kind}.`,
          {
            details: [{ field: 'content.fileId', problem: 'kind', kind: file.kind }],
          },
        )
      }
      const base = { fileId: file.id, mime: file.mime, size: file.size }
      // the sender's words about it (validated with the content's shape), kept last
      const caption = typeof content.caption === 'string' ? { caption: content.caption } : {}
      switch (type) {
        case 'image':
          return { ...base, width: file.width, height: file.height, thumbnail: file.thumbnail, ...caption }
        case 'voice':
        case 'video': {
          const given = typeof content.durationMs === 'number' ? content.durationMs : (file.durationMs ?? 0)
          const durationMs = files.clampDuration(type, file.size, given)
          return type === 'voice' ? { ...base, durationMs } : { ...base, name: file.name, durationMs, ...caption }
        }
        default:
          return { ...base, name: file.name, kind: file.kind, ...caption }
      }
    },

    async attach(message) {
      const fileIds = fileIdsOf(message)
      if (fileIds.length === 0 || message.recalledAt !== null) return
      const refs = fileIds.map((fileId) => ({ fileId, kind: 'message' as const, conversationId: message.conversationId, seq: message.seq }))
      await records.addRefs(refs, clock.now())
    },
  }
}
