import { CAPTION_MAX_CHARS } from '@jim/protocol'
import { useEffect, useMemo, useRef, useState } from 'react'
import type { Limits, UploadKind } from '../api/types.js'
import { useAppState, useController, useT } from '../hooks/app-context.js'
import { formatSize } from './MessageMedia.js'

/** The server's upload limit for a kind, once known (the upload would be refused above it). */
function maxBytesOf(limits: Limits | null, kind: UploadKind): number | null {
  if (!limits) return null
  return kind === 'image' ? limits.maxImageBytes : kind === 'video' ? limits.maxVideoBytes : limits.maxFileBytes
}

/** How a chosen, dropped or pasted file is sent: an image the server re-encodes, a video, or a plain file. */
export function uploadKindOf(file: File): UploadKind {
  if (/^image\/(jpeg|png|webp|gif)$/.test(file.type)) return 'image'
  if (file.type.startsWith('video/')) return 'video'
  return 'file'
}

/**
 * A file about to be sent: a picture of an image (name and size for anything else), a caption,
 * and Send or Cancel (Esc). It stays open with the caption when the upload is refused.
 */
export function AttachmentPreview({ conversationId, file, onClose }: { conversationId: string; file: File; onClose: () => void }) {
  const controller = useController()
  const t = useT()
  const kind = uploadKindOf(file)
  const maxLength = useAppState((s) => s.limits?.maxCaptionLength ?? CAPTION_MAX_CHARS)
  // said before uploading: no waiting for a refusal the limits already tell
  const maxBytes = useAppState((s) => maxBytesOf(s.limits, kind))
  const tooBig = maxBytes !== null && file.size > maxBytes
  const [caption, setCaption] = useState('')
  const [sending, setSending] = useState(false)
  const length = useMemo(() => [...caption].length, [caption])
  const tooLong = length > maxLength
  const picture = useMemo(() => (kind === 'image' ? URL.createObjectURL(file) : null), [file, kind])
  useEffect(() => () => (picture ? URL.revokeObjectURL(picture) : undefined), [picture])
  const field = useRef<HTMLTextAreaElement>(null)
  useEffect(() => field.current?.focus(), [file])

  const send = async () => {
    if (sending || tooLong || tooBig) return
    setSending(true)
    const sent = await controller.messages.sendFile(conversationId, file, file.name || 'file', kind, { caption })
    setSending(false)
    if (sent) onClose()
  }

  return (
    <div
      className="attachment-preview"
      role="dialog"
      aria-label={t(kind === 'image' ? 'attach.titleImage' : 'attach.titleFile')}
      onKeyDown={(e) => {
        if (e.key === 'Escape' && !sending) {
          e.stopPropagation()
          onClose()
        }
      }}
    >
      <div className="attachment-what">
        {picture ? (
          <img src={picture} alt={file.name} className="attachment-picture" data-testid="attachment-picture" />
        ) : (
          <span className="attachment-icon" aria-hidden="true">
            {kind === 'video' ? '🎬' : '📎'}
          </span>
        )}
        <div className="attachment-name">
          <strong className="ellipsis">{file.name || t('msg.type.file')}</strong>
          <span className="muted small">{formatSize(file.size)}</span>
        </div>
      </div>
      <textarea
        ref={field}
        className="composer-input attachment-caption"
        rows={2}
        value={caption}
        placeholder={t('attach.captionPlaceholder')}
        aria-label={t('attach.caption')}
        aria-invalid={tooLong || undefined}
        onChange={(e) => setCaption(e.target.value)}
        onKeyDown={(e) => {
          if (e.nativeEvent.isComposing || e.keyCode === 229) return
          if (e.key === 'Enter' && !e.shiftKey) {
            e.preventDefault()
            void send()
          }
        }}
      />
      {tooBig ? (
        <p className="char-counter over" role="alert">
          {t('attach.tooBig', { size: formatSize(file.size), max: formatSize(maxBytes) })}
        </p>
      ) : null}
      {length > maxLength - 100 ? (
        <p className={`char-counter ${tooLong ? 'over' : ''}`} role={tooLong ? 'alert' : undefined}>
          {t(tooLong ? 'attach.captionTooLong' : 'chat.counter', { count: length.toLocaleString(), max: maxLength.toLocaleString() })}
        </p>
      ) : null}
      <div className="row-actions">
        {sending ? (
          <span className="muted small" role="status">
            {t('media.uploading')}
          </span>
        ) : null}
        <button type="button" className="btn small ghost" disabled={sending} onClick={onClose}>
          {t('common.cancel')}
        </button>
        <button type="button" className="btn small primary" disabled={sending || tooLong || tooBig} onClick={() => void send()}>
          {t('chat.send')}
        </button>
      </div>
    </div>
  )
}
