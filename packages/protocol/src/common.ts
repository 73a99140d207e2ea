import { Type, type Static, type TSchema } from 'typebox'

/** A ULID: every id the server makes. */
export const Id = Type.String({ pattern: '^[0-9A-HJKMNP-TV-Z]{26}$', description: 'ULID' })

/** An ISO-8601 UTC time, e.g. `2026-03-01T09:00:00.000Z`. */
export const IsoTime = Type.String({ format: 'date-time' })

/** The body of every non-2xx HTTP answer. */
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

/** The schema of a cursor-paged list of `item`. */
export function Paged<T extends TSchema>(item: T) {
  return Type.Object({ items: Type.Array(item), nextCursor: Type.Union([Type.String(), Type.Null()]) })
}

export type ErrorBody = Static<typeof ErrorBody>

/** A cursor-paged list: `nextCursor` is null on the last page. */
export interface Page<T> {
  items: T[]
  nextCursor: string | null
}
