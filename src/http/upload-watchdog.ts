import type { FastifyRequest } from 'fastify'
import { AppError } from '../domain/errors.js'

/** `files.uploadMinBytesPerSecond` over `files.uploadRateWindowSeconds` (0 bytes/s: no minimum). */
export interface UploadRateLimits {
  minBytesPerSecond: number
  windowSeconds: number
}

export interface UploadWatchdog {
  /** aborted (with a 408 `file.upload_too_slow`) when the client sends too slowly */
  signal: AbortSignal
  /** rejects with that error: race it against waits for the next part */
  tripped: Promise<never>
  stop(): void
}

/**
 * Watches how fast a request body arrives, by the bytes its connection has read: in any
 * window with fewer than `minBytesPerSecond × windowSeconds` bytes, the upload is aborted.
 * This cuts an upload trickled to hold a connection (and a temporary file) open, long
 * before the server-wide request timeout, without limiting the size of honest slow uploads.
 */
export function watchUploadRate(request: FastifyRequest, limits: UploadRateLimits): UploadWatchdog {
  const controller = new AbortController()
  let fail: (err: AppError) => void = () => {}
  const tripped = new Promise<never>((_, reject) => (fail = reject))
  tripped.catch(() => undefined)
  const socket = request.raw.socket
  if (limits.minBytesPerSecond === 0 || !socket) return { signal: controller.signal, tripped, stop: () => undefined }
  const minBytes = limits.minBytesPerSecond * limits.windowSeconds
  let last = socket.bytesRead
  const timer = setInterval(() => {
    const read = socket.bytesRead - last
    last = socket.bytesRead
    if (read >= minBytes) return
    clearInterval(timer)
    const err = new AppError(
      'file.upload_too_slow',
      `The upload sent ${read} bytes in ${limits.windowSeconds} s; at least ${limits.minBytesPerSecond} bytes per second are needed.`,
      { details: { minBytesPerSecond: limits.minBytesPerSecond, windowSeconds: limits.windowSeconds } },
    )
    request.log.warn({ event: 'file.upload_too_slow', userId: request.principal?.user.id, bytes: read }, 'upload cut')
    controller.abort(err)
    fail(err)
  }, limits.windowSeconds * 1000)
  timer.unref()
  return { signal: controller.signal, tripped, stop: () => clearInterval(timer) }
}

/** Reads a stream to its end and drops the bytes (a part we do not keep), until `signal` aborts. */
export async function drain(stream: NodeJS.ReadableStream & { destroy(err?: Error): void }, signal: AbortSignal): Promise<void> {
  const onAbort = () => stream.destroy(signal.reason as Error)
  signal.addEventListener('abort', onAbort, { once: true })
  try {
    for await (const _chunk of stream) {
      // discard
    }
  } finally {
    signal.removeEventListener('abort', onAbort)
  }
}
