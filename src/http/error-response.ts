import type { FastifyError, FastifyReply, FastifyRequest } from 'fastify'
import { AppError, kindOf, type ErrorCode, type ErrorKind } from '../domain/errors.js'
import { isConnectionError } from '../shared/connection-errors.js'

/** The one table from error kind to HTTP status. */
export const STATUS_OF_KIND: Record<ErrorKind, number> = {
  invalid: 400,
  unauthenticated: 401,
  forbidden: 403,
  not_found: 404,
  conflict: 409,
  timeout: 408,
  too_large: 413,
  range_not_satisfiable: 416,
  refused: 422,
  rate_limited: 429,
  unavailable: 503,
  internal: 500,
}

export function statusOf(code: ErrorCode): number {
  return STATUS_OF_KIND[kindOf(code)]
}

/** Turns any thrown value into an AppError; framework errors get their stable codes here. */
export function toAppError(err: unknown): AppError {
  if (err instanceof AppError) return err
  const fe = err as FastifyError & { validation?: Array<{ instancePath: string; message?: string; keyword: string; params?: unknown }> }
  if (fe?.validation) {
    const details = fe.validation.map((v) => ({
      field: v.instancePath.replace(/^\//, '').replace(/\//g, '.') || fieldFromParams(v.params),
      problem: v.keyword,
      message: v.message,
    }))
    const first = details[0]
    const message = first ? `${fe.validationContext ?? 'body'}${first.field ? '.' + first.field : ''}: ${first.message}` : undefined
    return new AppError('request.invalid', message, { details })
  }
  switch (fe?.code) {
    case 'FST_ERR_CTP_BODY_TOO_LARGE':
      return new AppError('request.too_large')
    case 'FST_ERR_CTP_INVALID_MEDIA_TYPE':
    case 'FST_ERR_CTP_INVALID_CONTENT_LENGTH':
      return new AppError('request.unsupported_media_type')
    case 'FST_ERR_CTP_EMPTY_JSON_BODY':
      return new AppError('request.invalid_json', 'The body is empty; send a JSON object.')
    case 'FST_ERR_CTP_INVALID_JSON_BODY':
      return new AppError('request.invalid_json')
    case 'FST_ERR_BAD_URL':
      return new AppError('request.invalid', 'The URL is malformed.')
    case 'FST_ERR_MAX_PARAM_LENGTH':
      return new AppError('request.invalid', 'A path parameter is too long.')
  }
  if (fe instanceof SyntaxError || fe?.statusCode === 400) return new AppError('request.invalid_json', undefined, { cause: err })
  if (fe?.statusCode === 413) return new AppError('request.too_large')
  if (fe?.statusCode === 429) return new AppError('rate_limited')
  if (isConnectionError(err)) return new AppError('service.unavailable', undefined, { retryAfter: 5, cause: err })
  return new AppError('internal', undefined, { cause: err })
}

function fieldFromParams(params: unknown): string {
  const p = params as { missingProperty?: string; additionalProperty?: string } | undefined
  return p?.missingProperty ?? p?.additionalProperty ?? ''
}

/**
 * The client hung up before its request was read: its fault, and nobody is left to answer. Judged by
 * the client's socket: node marks the request itself destroyed as soon as its body has been read, so
 * a database connection reset during the handler would otherwise be answered as the client's abort.
 */
function clientGone(request: FastifyRequest, err: unknown): boolean {
  const code = (err as { code?: string } | null)?.code
  return (code === 'ECONNRESET' || code === 'ECONNABORTED') && (request.raw.socket?.destroyed ?? true)
}

export function sendError(request: FastifyRequest, reply: FastifyReply, err: unknown): FastifyReply {
  const gone = clientGone(request, err)
  const appError = gone ? new AppError('request.aborted') : toAppError(err)
  const status = STATUS_OF_KIND[appError.kind]
  // the request's child logger carries reqId
  if (gone) {
    request.log.info({ event: 'request.aborted' }, 'the client closed the request before it was complete')
  } else if (status >= 500 && appError.code === 'internal') {
    request.log.error({ err }, 'unhandled error')
  } else if (status >= 500) {
    request.log.warn({ err: appError.cause ?? appError }, appError.message)
  }
  if (appError.retryAfter !== undefined) reply.header('retry-after', String(Math.max(1, Math.ceil(appError.retryAfter))))
  const body: { error: { code: string; message: string; details?: unknown } } = {
    error: { code: appError.code, message: appError.message },
  }
  if (appError.details !== undefined) body.error.details = appError.details
  return reply.code(status).type('application/json; charset=utf-8').send(body)
}
