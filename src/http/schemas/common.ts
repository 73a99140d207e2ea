import { Type, type TSchema } from 'typebox'

/** A ULID path or body id. */
export const Id = Type.String({ pattern: '^[0-9A-HJKMNP-TV-Z]{26}$', description: 'ULID' })

export const IsoTime = Type.String({ format: 'date-time' })

export const ErrorBody = Type.Object(
  {
    error: Type.Object({
      code: Type.String({ description: 'stable dotted code, see the error catalogue' }),
      message: Type.String(),
      details: Type.Optional(Type.Unknown()),
    }),
  },
  { $id: 'ErrorBody' },
)

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

export function Page<T extends TSchema>(item: T) {
  return Type.Object({ items: Type.Array(item), nextCursor: Type.Union([Type.String(), Type.Null()]) })
}
