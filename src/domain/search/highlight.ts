/** A piece of a field: plain text, or where it matches the query. */
export interface Segment {
  text: string
  hit: boolean
}

export interface Snippet {
  segments: Segment[]
  truncatedStart: boolean
  truncatedEnd: boolean
}

/** Characters of context shown before the first match, and the snippet's whole length. */
const BEFORE = 40
const LENGTH = 200

/**
 * Cuts `text` around the first case-insensitive occurrence of `query` into plain and hit pieces,
 * every occurrence in the window marked. Null when it does not occur (the database folds case a little
 * differently than JavaScript for a few scripts: the caller then shows the start of the field). Offsets
 * are in UTF-16 units, as clients index strings; the window never splits a surrogate pair.
 */
export function highlight(text: string, query: string): Snippet | null {
  const pattern = new RegExp(query.replace(/[.*+?^${}()|[\]\\]/g, '\\$&'), 'giu')
  const first = text.search(pattern)
  if (first < 0) return null
  const start = safeCut(text, Math.max(0, first - BEFORE))
  const end = safeCut(text, Math.min(text.length, start + LENGTH))
  const window = text.slice(start, end)
  const segments: Segment[] = []
  let at = 0
  for (const m of window.matchAll(pattern)) {
    if (m.index > at) segments.push({ text: window.slice(at, m.index), hit: false })
    segments.push({ text: m[0], hit: true })
    at = m.index + m[0].length
  }
  if (at < window.length) segments.push({ text: window.slice(at), hit: false })
  return { segments, truncatedStart: start > 0, truncatedEnd: end < text.length }
}

/** The start of a field when nothing in it could be marked. */
export function plainSnippet(text: string): Snippet {
  const end = safeCut(text, Math.min(text.length, LENGTH))
  return { segments: end > 0 ? [{ text: text.slice(0, end), hit: false }] : [], truncatedStart: false, truncatedEnd: end < text.length }
}

/** Moves a cut off the second half of a surrogate pair. */
function safeCut(text: string, index: number): number {
  const code = text.charCodeAt(index)
  return index > 0 && index < text.length && code >= 0xdc00 && code <= 0xdfff ? index - 1 : index
}
