import { readFileSync } from 'node:fs'

import type { Sticker, StickerSet } from '../../domain/stickers/sticker-set.js'

/** `assets/stickers` at the package root: the same path from `src/adapters/stickers` and `dist/adapters/stickers`. */
const DIR = new URL('../../../assets/stickers/', import.meta.url)
const STICKER_ID = /^[a-z0-9-]{1,32}$/

let loaded: StickerSet | null = null

/**
 * The bundled sticker set: original SVGs drawn for JIM, listed in `assets/stickers/manifest.json`.
 * Read once, on first use; a manifest entry without its SVG stops the server loudly.
 */
export function bundledStickerSet(): StickerSet {
  if (loaded) return loaded
  const manifest = JSON.parse(readFileSync(new URL('manifest.json', DIR), 'utf8')) as { name: string; stickers: Sticker[] }
  const svgs = new Map<string, Buffer>()
  for (const s of manifest.stickers) {
    if (!STICKER_ID.test(s.id)) throw new Error(`assets/stickers/manifest.json: bad sticker id ${JSON.stringify(s.id)}`)
    svgs.set(s.id, readFileSync(new URL(`${s.id}.svg`, DIR)))
  }
  loaded = { name: manifest.name, stickers: manifest.stickers.map((s) => ({ id: s.id, name: s.name })), svgs }
  return loaded
}
