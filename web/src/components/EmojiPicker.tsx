import { useEffect, useRef } from 'react'
import { useT } from '../hooks/app-context.js'

/** A small built-in set (no CDN, no sprite sheet): the system font draws them. */
export const EMOJI = [
  '😀', '😂', '🤣', '😊', '😍', '😘', '😎', '🤔', '😅', '😭', '😡', '😴',
  '🥳', '😇', '🙃', '😉', '😬', '🤗', '🙈', '🤝', '👍', '👎', '👏', '🙏',
  '💪', '👋', '👀', '🎉', '🔥', '✨', '💯', '❤️', '💔', '💡', '✅', '❌',
  '☕', '🍺', '🍕', '🍜', '🎂', '🌹', '🌞', '🌙', '⭐', '🌈', '⚡', '🚀',
] // prettier-ignore

export function EmojiPicker({ onPick, onClose }: { onPick: (emoji: string) => void; onClose: () => void }) {
  const t = useT()
  const ref = useRef<HTMLDivElement>(null)
  const close = useRef(onClose)
  close.current = onClose
  // focus moves in once, when it opens: the parent re-renders on every key typed in the box
  // (with a new onClose), and focusing again then would steal the typing (Space picked 😀)
  useEffect(() => {
    ref.current?.querySelector('button')?.focus()
    const onDown = (e: MouseEvent) => {
      if (!ref.current?.contains(e.target as Node) && !(e.target as HTMLElement).closest('.emoji-wrap')) close.current()
    }
    document.addEventListener('mousedown', onDown)
    return () => document.removeEventListener('mousedown', onDown)
  }, [])
  return (
    <div
      className="emoji-picker"
      ref={ref}
      role="dialog"
      aria-label={t('chat.emoji')}
      onKeyDown={(e) => {
        if (e.key === 'Escape') {
          e.preventDefault()
          onClose()
        }
      }}
    >
      <div className="emoji-grid">
        {EMOJI.map((emoji) => (
          <button key={emoji} type="button" className="emoji" onClick={() => onPick(emoji)} aria-label={emoji}>
            {emoji}
          </button>
        ))}
      </div>
    </div>
  )
}
