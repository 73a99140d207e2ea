import { Type, type TSchema } from 'typebox'
import { Paged } from '@jim/protocol'

// the wire contract's shared pieces live in @jim/protocol
export { ErrorBody, Id, IsoTime } from '@jim/protocol'

/** Error responses every authenticated route may give. */
export function withErrors<T extends Record<number, TSchema>>(responses: T, statuses: number[] = [400, 401]) {
  const errors: Record<number, TSchema> = {}
  for (const s of statuses) errors[s] = Type.Ref('ErrorBody')
  return { ...errors, ...responses }
}

export const PageQuery = {
  limit: Type.Optional(Type.Integer({ minimum: 1, maximum: 200, default: 50 })),
  cursor: Type.Optional(Type.String({ maxLength: 200 })),
}

export const Page = Paged
