import { AppError } from './errors.js'

/**
 * Characters that change how a name looks without being seen: bidi embeddings, overrides,
 * isolates and marks (RLO turns "gpj.exe" into "exe.jpg" on screen), zero-width space, word
 * joiner, invisible operators, BOM, soft hyphen, Mongolian vowel separator, and control characters.
 */
// eslint-disable-next-line no-control-regex -- control characters are exactly what this removes
const INVISIBLE = /[\u0000-\u001F\u007F-\u009F\u00AD\u061C\u180E\u200B\u200E\u200F\u202A-\u202E\u2060-\u2064\u2066-\u2069\uFEFF]/gu
/**
 * ZWNJ and ZWJ have real work in scripts (Persian, Indic) and emoji sequences (👨‍👩‍👧): they
 * stay between two letters, marks or pictographs, and go anywhere else.
 */
const STRAY_JOINER =
  /(?<![\p{L}\p{M}\p{Extended_Pictographic}\uFE0F])[\u200C\u200D]|[\u200C\u200D](?![\p{L}\p{M}\p{Extended_Pictographic}])/gu

/**
 * The one rule for names people show each other (nicknames, group names, group nicknames,
 * friend remarks, file names): NFC, invisible formatting characters removed (not refused, so a
 * name pasted from elsewhere still works), white space collapsed and trimmed. Shown text then
 * looks like what it is, and two names that look alike are alike.
 */
export function cleanDisplayText(text: string): string {
  return text.normalize('NFC').replace(INVISIBLE, '').replace(STRAY_JOINER, '').replace(/\s+/gu, ' ').trim()
}

/** `cleanDisplayText`, refusing a name left empty with 400 `request.invalid` naming `field`. */
export function cleanDisplayName(text: string, field: string): string {
  const clean = cleanDisplayText(text)
  if (clean.length === 0) {
    throw new AppError('request.invalid', `The ${field} needs at least one visible character.`, {
      details: [{ field, problem: 'empty' }],
    })
  }
  return clean
}
