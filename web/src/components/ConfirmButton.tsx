import { useState, type ReactNode } from 'react'
import { useT } from '../hooks/app-context.js'

/** A destructive action that asks once, inline (no browser dialog). */
export function ConfirmButton({
  label,
  question,
  onConfirm,
  className = 'btn danger small',
}: {
  label: ReactNode
  question: string
  onConfirm: () => void
  className?: string
}) {
  const t = useT()
  const [asking, setAsking] = useState(false)
  if (!asking) {
    return (
      <button type="button" className={className} onClick={() => setAsking(true)}>
        {label}
      </button>
    )
  }
  return (
    <span className="confirm" role="group" aria-label={question}>
      <span className="small">{question}</span>
      <button
        type="button"
        className="btn danger small"
        autoFocus
        onClick={() => {
          setAsking(false)
          onConfirm()
        }}
      >
        {t('common.yes')}
      </button>
      <button type="button" className="btn ghost small" onClick={() => setAsking(false)}>
        {t('common.no')}
      </button>
    </span>
  )
}
