import type { FormatEnum, Metadata } from 'sharp'
import { AppError } from '../../domain/errors.js'
import { THUMBNAIL_MIME } from '../../domain/files/file.js'
import type { ImageLimits, ImageMime, ProcessedImage } from '../../domain/files/media-processor.js'

const FORMATS: Record<ImageMime, keyof FormatEnum> = { 'image/jpeg': 'jpeg', 'image/png': 'png', 'image/webp': 'webp', 'image/gif': 'gif' }
const TIMEOUT_SECONDS = 30

/**
 * libvips is loaded on the first image, not at start: it adds ~8 MiB to the RSS of an idle
 * server (192 -> 184 MiB after a full GC) that may never see an upload.
 */
let loading: Promise<typeof import('sharp')> | undefined
const loadSharp = async () => (await (loading ??= import('sharp'))).default

/**
 * The `processImage` of the MediaProcessor port, on libvips (sharp).
 * Decodes the uploaded raster image at `input` and re-encodes it to `output` (so what we
 * serve inline is what we produced, not what was sent: EXIF, GPS, ICC comments and other
 * metadata are dropped), and makes a WebP thumbnail. Files in, files out: libvips reads
 * and writes them itself, nothing the size of the upload is held in JS memory. The header
 * is read first: an image with more than `maxPixels` is refused before any pixel is decoded
 * (pixel floods), and libvips is told the same limit as a second line of defence.
 */
export async function processImage(input: string, output: string, mime: ImageMime, limits: ImageLimits): Promise<ProcessedImage> {
  const format = FORMATS[mime]
  const sharp = await loadSharp()
  let meta: Metadata
  try {
    meta = await sharp(input, { limitInputPixels: false, animated: true }).metadata()
  } catch (err) {
    throw new AppError('file.invalid_image', undefined, { cause: err })
  }
  if (meta.format !== format) {
    throw new AppError('file.invalid_image', 'The image header does not match its content.')
  }
  const pages = meta.pages ?? 1
  const frameHeight = meta.pageHeight ?? meta.height ?? 0
  const width = meta.width ?? 0
  const pixels = width * frameHeight * pages
  if (pixels <= 0) throw new AppError('file.invalid_image')
  if (pixels > limits.maxPixels) {
    throw new AppError('file.image_too_large', `The image has ${pixels} pixels; the limit is ${limits.maxPixels}.`, {
      details: { width, height: frameHeight, frames: pages, maxPixels: limits.maxPixels },
    })
  }
  const animated = pages > 1
  const options = { limitInputPixels: limits.maxPixels, animated, failOn: 'error' as const }
  try {
    let pipeline = sharp(input, options).timeout({ seconds: TIMEOUT_SECONDS })
    // EXIF orientation is applied to the pixels, since the EXIF block itself is dropped
    if (!animated) pipeline = pipeline.autoOrient()
    const out = await pipeline.toFormat(format).toFile(output)
    const outHeight = out.pageHeight ?? out.height
    const thumb = await sharp(output, { limitInputPixels: limits.maxPixels, animated: false })
      .timeout({ seconds: TIMEOUT_SECONDS })
      .resize(limits.thumbnailSize, limits.thumbnailSize, { fit: 'inside', withoutEnlargement: true })
      .webp({ quality: 75 })
      .toBuffer({ resolveWithObject: true })
    return {
      size: out.size,
      width: out.width,
      height: outHeight,
      thumbnail: { bytes: thumb.data, width: thumb.info.width, height: thumb.info.height, mime: THUMBNAIL_MIME },
    }
  } catch (err) {
    if (err instanceof AppError) throw err
    throw new AppError('file.invalid_image', undefined, { cause: err })
  }
}
