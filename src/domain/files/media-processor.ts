import type { IMAGE_MIMES } from './file.js'

export type ImageMime = (typeof IMAGE_MIMES)[number]

export interface ProcessedImage {
  /** bytes of the re-encoded image written to the output path (same format, oriented, metadata stripped) */
  size: number
  width: number
  height: number
  thumbnail: { bytes: Buffer; width: number; height: number; mime: string }
}

export interface ImageLimits {
  /** width x height x frames */
  maxPixels: number
  /** longest side of the thumbnail */
  thumbnailSize: number
}

/**
 * Port: what the file service asks of a media library, on spooled files. Adapters:
 * `adapters/media/sharp-image-processor.ts` (libvips), `adapters/media/iso-bmff-metadata.ts` and
 * `adapters/media/matroska-metadata.ts`.
 */
export interface MediaProcessor {
  /**
   * Decodes the raster image at `input` and re-encodes it to `output` with its metadata dropped,
   * and makes a WebP thumbnail. An image with more than `limits.maxPixels` is refused from its
   * header (`file.image_too_large`); one that does not decode as `mime` is `file.invalid_image`.
   */
  processImage(input: string, output: string, mime: ImageMime, limits: ImageLimits): Promise<ProcessedImage>
  /**
   * Removes location and other personal metadata from an ISO base media file (MP4, MOV, HEIF...)
   * in place, without re-encoding. Returns how many boxes or items were scrubbed.
   */
  stripIsoBmffMetadata(path: string): Promise<number>
  /** The same for a Matroska or WebM file (`Tags`, `Info/DateUTC`). */
  stripMatroskaMetadata(path: string): Promise<number>
}
