import { useEffect, useRef, useState } from 'react'
import type { UploadKind } from '../api/types.js'
import { useController, useT } from '../hooks/app-context.js'
import { formatDuration } from './MessageMedia.js'

function kindOf(file: File): UploadKind {
  if (/^image\/(jpeg|png|webp|gif)$/.test(file.type)) return 'image'
  if (file.type.startsWith('video/')) return 'video'
  return 'file'
}

/** Attach a photo, video or any file; record a voice message. */
export function MediaButtons({ conversationId }: { conversationId: string }) {
  const controller = useController()
  const t = useT()
  const input = useRef<HTMLInputElement>(null)
  const [busy, setBusy] = useState(false)
  const recorder = useRef<{ rec: MediaRecorder; stream: MediaStream; started: number } | null>(null)
  const [recordingSince, setRecordingSince] = useState<number | null>(null)
  const [now, setNow] = useState(Date.now())

  useEffect(() => {
    if (recordingSince === null) return
    const id = setInterval(() => setNow(Date.now()), 250)
    return () => clearInterval(id)
  }, [recordingSince])

  useEffect(
    () => () => {
      const r = recorder.current
      if (r) {
        r.rec.ondataavailable = null
        r.rec.onstop = null
        if (r.rec.state !== 'inactive') r.rec.stop()
        r.stream.getTracks().forEach((tr) => tr.stop())
      }
    },
    [],
  )

  const pick = async (file: File) => {
    setBusy(true)
    await controller.messages.sendFile(conversationId, file, file.name, kindOf(file))
    setBusy(false)
  }

  const startRecording = async () => {
    if (typeof MediaRecorder === 'undefined' || !navigator.mediaDevices?.getUserMedia) {
      controller.messages.warn('media.noMic')
      return
    }
    let stream: MediaStream
    try {
      stream = await navigator.mediaDevices.getUserMedia({ audio: true })
    } catch {
      controller.messages.warn('media.noMic')
      return
    }
    const mime = ['audio/webm;codecs=opus', 'audio/ogg;codecs=opus', 'audio/mp4'].find((m) => MediaRecorder.isTypeSupported(m))
    const rec = new MediaRecorder(stream, mime ? { mimeType: mime } : undefined)
    const chunks: Blob[] = []
    const started = Date.now()
    rec.ondataavailable = (e) => {
      if (e.data.size) chunks.push(e.data)
    }
    rec.onstop = () => {
      stream.getTracks().forEach((tr) => tr.stop())
      const durationMs = Date.now() - started
      const type = rec.mimeType || 'audio/webm'
      const blob = new Blob(chunks, { type })
      const ext = type.includes('ogg') ? 'ogg' : type.includes('mp4') ? 'm4a' : 'webm'
      recorder.current = null
      setRecordingSince(null)
      if (blob.size === 0) return
      setBusy(true)
      void controller.messages.sendFile(conversationId, blob, `voice.${ext}`, 'voice', durationMs).finally(() => setBusy(false))
    }
    recorder.current = { rec, stream, started }
    rec.start()
    setNow(started)
    setRecordingSince(started)
  }

  const stopRecording = () => recorder.current?.rec.stop()

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
          if (file) void pick(file)
        }}
      />
      <button
        type="button"
        className="icon-btn"
        aria-label={t('media.attach')}
        title={t('media.attach')}
        disabled={busy || recordingSince !== null}
        onClick={() => input.current?.click()}
      >
        📎
      </button>
      {recordingSince !== null ? (
        <button type="button" className="btn small danger recording" aria-label={t('media.stopRecording')} onClick={stopRecording}>
          ● {formatDuration(now - recordingSince)}
        </button>
      ) : (
        <button
          type="button"
          className="icon-btn"
          aria-label={t('media.record')}
          title={t('media.record')}
          disabled={busy}
          onClick={() => void startRecording()}
        >
          🎤
        </button>
      )}
      {busy ? (
        <span className="muted small" role="status">
          {t('media.uploading')}
        </span>
      ) : null}
    </>
  )
}
