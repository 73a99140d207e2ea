import { useEffect, useState } from 'react'

/** Above this peak (of 128) on the waveform, someone is talking rather than breathing into the microphone. */
const THRESHOLD = 12

/**
 * Whether the audio of `stream` is loud right now (checked five times a second with a Web Audio
 * analyser), for the "who is speaking" ring around a call tile.
 */
export function useSpeaking(stream: MediaStream | null, enabled: boolean): boolean {
  const [speaking, setSpeaking] = useState(false)
  // remote tracks arrive after the stream exists: re-arm when they do
  const audioTracks = stream?.getAudioTracks().length ?? 0
  useEffect(() => {
    if (!stream || !enabled || audioTracks === 0) return setSpeaking(false)
    let audio: AudioContext
    try {
      audio = new AudioContext()
    } catch {
      return
    }
    const analyser = audio.createAnalyser()
    // ~170 ms of samples per look: with a look every 200 ms, hardly a syllable falls between two
    analyser.fftSize = 8192
    audio.createMediaStreamSource(stream).connect(analyser)
    const wave = new Uint8Array(analyser.fftSize)
    const timer = setInterval(() => {
      analyser.getByteTimeDomainData(wave)
      let peak = 0
      for (const v of wave) peak = Math.max(peak, Math.abs(v - 128))
      setSpeaking(peak > THRESHOLD)
    }, 200)
    return () => {
      clearInterval(timer)
      void audio.close().catch(() => {})
    }
  }, [stream, enabled, audioTracks])
  return speaking
}
