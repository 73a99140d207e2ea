/**
 * The ring tone of an incoming call, made with Web Audio (no sound file to ship): two short
 * tones every two seconds. Browsers play it once the user has interacted with the page (they
 * have: they signed in); where they refuse, the dialog still shows.
 */
export class Ringer {
  #timer: ReturnType<typeof setInterval> | null = null
  #audio: AudioContext | null = null

  start(): void {
    if (this.#timer) return
    try {
      this.#audio = new AudioContext()
    } catch {
      return
    }
    const ring = () => {
      const audio = this.#audio
      if (!audio) return
      for (const [at, freq] of [
        [0, 440],
        [0.45, 480],
      ] as const) {
        const osc = audio.createOscillator()
        const gain = audio.createGain()
        osc.frequency.value = freq
        gain.gain.value = 0.08
        osc.connect(gain).connect(audio.destination)
        osc.start(audio.currentTime + at)
        osc.stop(audio.currentTime + at + 0.35)
      }
    }
    ring()
    this.#timer = setInterval(ring, 2000)
  }

  stop(): void {
    if (this.#timer) clearInterval(this.#timer)
    this.#timer = null
    void this.#audio?.close().catch(() => {})
    this.#audio = null
  }
}
