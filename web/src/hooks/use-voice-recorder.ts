import { useCallback, useEffect, useRef, useState } from 'react'

/** A finished recording, ready to upload. */
export interface VoiceClip {
  blob: Blob
  name: string
  durationMs: number
}

interface Running {
  rec: MediaRecorder
  stream: MediaStream
  started: number
  /** false once cancelled: the stop that follows throws the audio away */
  keep: boolean
}

/**
 * One voice recording from the microphone. It belongs to the composer (not to the button that
 * starts it), so folding the phone's "+" tray away keeps it running; `cancel` stops it and throws
 * the audio away, and leaving the chat cancels it too.
 */
export function useVoiceRecorder(onClip: (clip: VoiceClip) => void, onNoMic: () => void) {
  const running = useRef<Running | null>(null)
  const [since, setSince] = useState<number | null>(null)
  // the latest callback, so a recording started in one render delivers to the current one
  const deliver = useRef(onClip)
  deliver.current = onClip

  const finish = useCallback((keep: boolean) => {
    const r = running.current
    if (!r) return
    r.keep = keep
    if (r.rec.state !== 'inactive') r.rec.stop()
  }, [])

  // leaving the chat throws a running recording away (and one still waiting for the microphone)
  const alive = useRef(true)
  useEffect(() => {
    alive.current = true
    return () => {
      alive.current = false
      finish(false)
    }
  }, [finish])

  const start = useCallback(async () => {
    if (running.current) return
    if (typeof MediaRecorder === 'undefined' || !navigator.mediaDevices?.getUserMedia) return onNoMic()
    let stream: MediaStream
    try {
      stream = await navigator.mediaDevices.getUserMedia({ audio: true })
    } catch {
      return onNoMic()
    }
    if (!alive.current || running.current) return stream.getTracks().forEach((tr) => tr.stop())
    const mime = ['audio/webm;codecs=opus', 'audio/ogg;codecs=opus', 'audio/mp4'].find((m) => MediaRecorder.isTypeSupported(m))
    const rec = new MediaRecorder(stream, mime ? { mimeType: mime } : undefined)
    const chunks: Blob[] = []
    const self: Running = { rec, stream, started: Date.now(), keep: true }
    rec.ondataavailable = (e) => {
      if (e.data.size) chunks.push(e.data)
    }
    rec.onstop = () => {
      stream.getTracks().forEach((tr) => tr.stop())
      if (running.current === self) running.current = null
      setSince(null)
      const type = rec.mimeType || 'audio/webm'
      const blob = new Blob(chunks, { type })
      if (!self.keep || blob.size === 0) return
      const ext = type.includes('ogg') ? 'ogg' : type.includes('mp4') ? 'm4a' : 'webm'
      deliver.current({ blob, name: `voice.${ext}`, durationMs: Date.now() - self.started })
    }
    running.current = self
    rec.start()
    setSince(self.started)
  }, [onNoMic])

  return {
    /** when the running recording started (ms), or null */
    since,
    start,
    /** stops and hands the clip over */
    stop: useCallback(() => finish(true), [finish]),
    /** stops and throws the audio away */
    cancel: useCallback(() => finish(false), [finish]),
  }
}
