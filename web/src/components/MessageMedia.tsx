import { useEffect, useState } from 'react'
import type { Message } from '../api/types.js'
import { useController, useT } from '../hooks/app-context.js'
import { useFileUrl } from '../hooks/use-file-url.js'

export function formatDuration(ms: number): string {
  // whole seconds down, as the browser's audio player counts them (5.6 s reads 0:05 in both)
  const total = Math.max(0, Math.floor(ms / 1000))
  return `${Math.floor(total / 60)}:${String(total % 60).padStart(2, '0')}`
}

export function formatSize(bytes: number): string {
  if (bytes < 1024) return `${bytes} B`
  if (bytes < 1024 * 1024) return `${(bytes / 1024).toFixed(0)} KB`
  return `${(bytes / 1024 / 1024).toFixed(1)} MB`
}

/** The body of an image, file, voice, video, sticker or location message. */
export function MessageMedia({ message: m }: { message: Message }) {
  const controller = useController()
  const t = useT()
  const c = m.content as {
    fileId?: string
    name?: string
    size?: number
    durationMs?: number
    width?: number
    height?: number
    thumbnail?: { width: number; height: number } | null
    stickerId?: string
    lat?: number
    lng?: number
  }
  const fileId = typeof c.fileId === 'string' ? c.fileId : null
  const [full, setFull] = useState(false)
  const thumb = useFileUrl(controller.api, m.type === 'image' ? fileId : null, c.thumbnail ? 'thumbnail' : 'original')
  const original = useFileUrl(controller.api, m.type !== 'image' || full ? fileId : null, 'original')
  useEffect(() => {
    if (!full) return
    const onKey = (e: KeyboardEvent) => {
      if (e.key === 'Escape') setFull(false)
    }
    document.addEventListener('keydown', onKey)
    return () => document.removeEventListener('keydown', onKey)
  }, [full])

  switch (m.type) {
    case 'image':
      return (
        <>
          <button type="button" className="media-thumb" aria-label={t('media.viewImage')} onClick={() => setFull(true)}>
            {thumb.url ? (
              <img
                src={thumb.url}
                alt={t('msg.type.image')}
                width={c.thumbnail?.width ?? c.width}
                height={c.thumbnail?.height ?? c.height}
                data-testid="message-image"
                onError={thumb.refresh}
              />
            ) : (
              <span className="muted small">{t('common.loading')}</span>
            )}
          </button>
          {full ? (
            <div className="lightbox" role="dialog" aria-label={t('media.viewImage')} onClick={() => setFull(false)}>
              {original.url ? <img src={original.url} alt={t('msg.type.image')} onError={original.refresh} /> : null}
              <button type="button" className="icon-btn" aria-label={t('common.close')} onClick={() => setFull(false)}>
                ×
              </button>
            </div>
          ) : null}
        </>
      )
    case 'voice':
      return (
        <div className="media-voice">
          {original.url ? (
            <audio controls preload="metadata" src={original.url} data-testid="message-audio" onError={original.refresh} />
          ) : null}
          {typeof c.durationMs === 'number' ? <span className="muted small">{formatDuration(c.durationMs)}</span> : null}
        </div>
      )
    case 'video':
      return original.url ? (
        <video
          className="media-video"
          controls
          preload="metadata"
          src={original.url}
          data-testid="message-video"
          onError={original.refresh}
        />
      ) : (
        <span className="muted small">{t('common.loading')}</span>
      )
    case 'file':
      return (
        <a className="media-file" href={original.url ?? undefined} download={c.name ?? true} data-testid="message-file">
          📎 {c.name ?? t('msg.type.file')}{' '}
          {typeof c.size === 'number' ? <span className="muted small">({formatSize(c.size)})</span> : null}
        </a>
      )
    case 'sticker':
      return typeof c.stickerId === 'string' && /^[\w-]+$/.test(c.stickerId) ? (
        <img className="media-sticker" src={`/stickers/${c.stickerId}.svg`} alt={t('msg.type.sticker')} width={120} height={120} />
      ) : (
        <span className="muted">{t('msg.type.sticker')}</span>
      )
    case 'location': {
      const lat = Number(c.lat)
      const lng = Number(c.lng)
      const name = (m.content as { name?: string }).name
      if (!Number.isFinite(lat) || !Number.isFinite(lng)) return <span className="muted">{t('msg.type.location')}</span>
      return (
        <a
          className="media-location"
          href={`https://www.openstreetmap.org/?mlat=${lat}&mlon=${lng}#map=16/${lat}/${lng}`}
          target="_blank"
          rel="noopener noreferrer nofollow"
        >
          📍 {name ? <strong>{name}</strong> : null} <span className="muted small">{`${lat.toFixed(5)}, ${lng.toFixed(5)}`}</span>
        </a>
      )
    }
    default:
      return <span className="muted">{t('msg.type.unknown')}</span>
  }
}
