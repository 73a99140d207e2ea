import { CLIENT_FRAMES, type ClientFrame, type ClientFrameType } from '@jim/protocol'
import { Compile, type Validator } from 'typebox/compile'

/** A frame that failed: answered with an `error` frame of this code and message. */
export interface FrameProblem {
  code: 'request.invalid'
  message: string
  /** the offending frame's `id`, when it had one */
  replyTo: string | number | null
  /** the `ref` of a `message.send`, when it had one */
  ref?: string | number
  details?: { type?: string; errors?: Array<{ path: string; message: string }> }
}

const validators = new Map<string, Validator>(Object.entries(CLIENT_FRAMES).map(([type, schema]) => [type, Compile(schema)]))

/**
 * The one place client frames are checked against the wire contract (@jim/protocol): JSON, an
 * object with a known `type`, and that type's schema. Handlers only ever see valid frames.
 */
export function parseClientFrame(data: Buffer | string): { frame: ClientFrame } | { problem: FrameProblem } {
  let value: unknown
  try {
    value = JSON.parse(typeof data === 'string' ? data : data.toString('utf8'))
  } catch {
    return { problem: { code: 'request.invalid', message: 'Frames are JSON objects with a "type".', replyTo: null } }
  }
  if (!value || typeof value !== 'object' || Array.isArray(value) || typeof (value as { type?: unknown }).type !== 'string') {
    return { problem: { code: 'request.invalid', message: 'Frames are JSON objects with a "type".', replyTo: null } }
  }
  const raw = value as { type: string; id?: unknown; ref?: unknown }
  const replyTo = typeof raw.id === 'string' || typeof raw.id === 'number' ? raw.id : null
  const ref = typeof raw.ref === 'string' || typeof raw.ref === 'number' ? raw.ref : undefined
  const validator = validators.get(raw.type)
  if (!validator) {
    return {
      problem: {
        code: 'request.invalid',
        message: `Unknown frame type "${raw.type.slice(0, 64)}"; known: ${Object.keys(CLIENT_FRAMES).join(', ')}.`,
        replyTo,
        ref,
        details: { type: raw.type.slice(0, 64) },
      },
    }
  }
  if (validator.Check(value)) return { frame: value as ClientFrame }
  const errors = firstErrors(validator, value)
  return {
    problem: {
      code: 'request.invalid',
      message: `Invalid "${raw.type}" frame: ${errors.map((e) => `${e.path || '(frame)'} ${e.message}`).join('; ')}.`,
      replyTo,
      ref,
      details: { type: raw.type, errors },
    },
  }
}

/** One message per failing field, a few at most (a union reports once per branch). */
function firstErrors(validator: Validator, value: unknown): Array<{ path: string; message: string }> {
  const seen = new Map<string, string>()
  for (const e of validator.Errors(value)) {
    if (!seen.has(e.instancePath)) seen.set(e.instancePath, e.message)
    if (seen.size >= 5) break
  }
  return [...seen].map(([path, message]) => ({ path, message }))
}

export type { ClientFrameType }
