export interface Sticker {
  id: string
  name: string
}

/** The stickers users may send (`sticker` messages name one by id). Adapter: `bundledStickerSet()`. */
export interface StickerSet {
  name: string
  stickers: Sticker[]
  /** each sticker's SVG, by id */
  svgs: Map<string, Buffer>
}
