import { useRef } from 'react'
import { useT } from '../hooks/app-context.js'

/**
 * Attach a photo, video or any file (it opens the preview, see AttachmentPreview) and start a
 * voice message (the composer shows and owns the running recording).
 */
export function MediaButtons({
  onAttach,
  onRecord,
  disabled,
}: {
  onAttach: (file: File) => void
  onRecord: () => void
  disabled: boolean
}) {
  const t = useT()
  const input = useRef<HTMLInputElement>(null)
  return (
    <>
      <input
        ref={input}
        type="file"
        hidden
        aria-label={t('media.attach')}
        data-testid="file-input"
        onChange={(e) => {
          const file = e.target.files?.[0]
          e.target.value = ''
          if (file) onAttach(file)
        }}
      />
      <button
        type="button"
        className="icon-btn"
        aria-label={t('media.attach')}
        title={t('media.attach')}
        disabled={disabled}
        onClick={() => input.current?.click()}
      >
        📎
      </button>
      <button
        type="button"
        className="icon-btn"
        aria-label={t('media.record')}
        title={t('media.record')}
        disabled={disabled}
        onClick={onRecord}
      >
        🎤
      </button>
    </>
  )
}
