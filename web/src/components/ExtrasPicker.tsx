import { useEffect, useRef, useState } from 'react'
import { useController, useT } from '../hooks/app-context.js'
import { useDismiss } from '../hooks/use-dismiss.js'

interface Sticker {
  id: string
  name: string
  url: string
}

let stickerCache: Promise<Sticker[]> | null = null

function loadStickers(): Promise<Sticker[]> {
  stickerCache ??= fetch('/api/v1/stickers')
    .then((r) => (r.ok ? (r.json() as Promise<{ items: Sticker[] }>) : { items: [] }))
    .then((b) => b.items.filter((s) => /^\/stickers\/[\w-]+\.svg$/.test(s.url)))
    .catch(() => {
      stickerCache = null
      return []
    })
  return stickerCache
}

/** A popover that closes on Escape or a press outside it and its opener (the parent). */
function usePopover(onClose: () => void) {
  const ref = useRef<HTMLDivElement>(null)
  useDismiss(ref, onClose, { area: (el) => el.parentElement })
  return ref
}

/** Stickers from `GET /stickers`, and a location (typed in, or the browser's). */
export function ExtrasPicker({ conversationId }: { conversationId: string }) {
  const t = useT()
  const [open, setOpen] = useState<'sticker' | 'location' | null>(null)
  return (
    <>
      <span className="emoji-wrap">
        <button
          type="button"
          className={`icon-btn ${open === 'sticker' ? 'on' : ''}`}
          aria-label={t('media.stickers')}
          title={t('media.stickers')}
          aria-expanded={open === 'sticker'}
          onClick={() => setOpen(open === 'sticker' ? null : 'sticker')}
        >
          🐱
        </button>
        {open === 'sticker' ? <StickerPicker conversationId={conversationId} onClose={() => setOpen(null)} /> : null}
      </span>
      <span className="emoji-wrap">
        <button
          type="button"
          className={`icon-btn ${open === 'location' ? 'on' : ''}`}
          aria-label={t('media.location')}
          title={t('media.location')}
          aria-expanded={open === 'location'}
          onClick={() => setOpen(open === 'location' ? null : 'location')}
        >
          📍
        </button>
        {open === 'location' ? <LocationForm conversationId={conversationId} onClose={() => setOpen(null)} /> : null}
      </span>
    </>
  )
}

function StickerPicker({ conversationId, onClose }: { conversationId: string; onClose: () => void }) {
  const controller = useController()
  const t = useT()
  const ref = usePopover(onClose)
  const [items, setItems] = useState<Sticker[] | null>(null)
  useEffect(() => {
    let live = true
    void loadStickers().then((s) => live && setItems(s))
    return () => {
      live = false
    }
  }, [])
  return (
    <div className="emoji-picker sticker-picker" ref={ref} role="dialog" aria-label={t('media.stickers')}>
      {items === null ? <span className="muted small">{t('common.loading')}</span> : null}
      <div className="emoji-grid">
        {(items ?? []).map((s) => (
          <button
            key={s.id}
            type="button"
            className="emoji"
            aria-label={s.name}
            title={s.name}
            onClick={() => {
              onClose()
              controller.messages.sendContent(conversationId, 'sticker', { stickerId: s.id })
            }}
          >
            <img src={s.url} alt="" width={40} height={40} />
          </button>
        ))}
      </div>
    </div>
  )
}

function LocationForm({ conversationId, onClose }: { conversationId: string; onClose: () => void }) {
  const controller = useController()
  const t = useT()
  const ref = usePopover(onClose)
  const [lat, setLat] = useState('')
  const [lng, setLng] = useState('')
  const [name, setName] = useState('')
  const latN = Number(lat)
  const lngN = Number(lng)
  const valid = lat.trim() !== '' && lng.trim() !== '' && Math.abs(latN) <= 90 && Math.abs(lngN) <= 180
  return (
    <div className="emoji-picker location-form" ref={ref} role="dialog" aria-label={t('media.location')}>
      <form
        className="form compact"
        onSubmit={(e) => {
          e.preventDefault()
          if (!valid) return
          onClose()
          const content: Record<string, unknown> = { lat: latN, lng: lngN }
          if (name.trim()) content.name = name.trim()
          controller.messages.sendContent(conversationId, 'location', content)
        }}
      >
        <label>
          {t('media.lat')}
          <input inputMode="decimal" value={lat} onChange={(e) => setLat(e.target.value)} />
        </label>
        <label>
          {t('media.lng')}
          <input inputMode="decimal" value={lng} onChange={(e) => setLng(e.target.value)} />
        </label>
        <label>
          {t('media.placeName')}
          <input value={name} maxLength={200} onChange={(e) => setName(e.target.value)} />
        </label>
        <div className="row-actions">
          {'geolocation' in navigator ? (
            <button
              type="button"
              className="btn small"
              onClick={() =>
                navigator.geolocation.getCurrentPosition(
                  (p) => {
                    setLat(p.coords.latitude.toFixed(6))
                    setLng(p.coords.longitude.toFixed(6))
                  },
                  () => controller.messages.warn('media.noLocation'),
                )
              }
            >
              {t('media.useMine')}
            </button>
          ) : null}
          <button type="submit" className="btn small primary" disabled={!valid}>
            {t('chat.send')}
          </button>
        </div>
      </form>
    </div>
  )
}
