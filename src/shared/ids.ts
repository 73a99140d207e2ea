import { monotonicFactory } from 'ulid'

const nextUlid = monotonicFactory()

/** A new ULID: sortable by creation, made by the app so no insert needs RETURNING. */
export function newId(): string {
  return nextUlid()
}

/** ULIDs are 26 Crockford base32 characters. */
export const ID_PATTERN = '^[0-9A-HJKMNP-TV-Z]{26}$'

export function isId(value: string): boolean {
  return /^[0-9A-HJKMNP-TV-Z]{26}$/.test(value)
}
