/**
 * Calls on this device: what the call UI shows (its own small store, since streams are not chat
 * state), the `call.*` frames in and out, the microphone and camera, and the mesh of peer
 * connections. The server decides the call's state; this follows `call.updated`.
 */
import type { Call, CallMedia, ClientFrame, ServerFrame, ServerFrameOf } from '../api/types.js'
import { Store } from '../store/store.js'
import { CallMesh, type PeerView } from './call-mesh.js'
import type { AppContext } from './context.js'
import { Ringer } from './ringer.js'
import { safeStorage } from './storage.js'

export type CallPhase = 'idle' | 'incoming' | 'outgoing' | 'in-call'

export interface CallUi {
  phase: CallPhase
  call: Call | null
  local: MediaStream | null
  peers: PeerView[]
  muted: boolean
  cameraOff: boolean
  voiceOnly: boolean
  /** group calls running in my conversations, by conversation id (the "join" bar) */
  running: Record<string, Call>
  /** why the last call of this device ended, shown briefly */
  ended: { reason: string } | null
}

const idle = (running: Record<string, Call> = {}): CallUi => ({
  phase: 'idle',
  call: null,
  local: null,
  peers: [],
  muted: false,
  cameraOff: false,
  voiceOnly: false,
  running,
  ended: null,
})

/** `localStorage['jim.callRelayOnly'] = '1'` forces calls through TURN (a test, or a privacy choice). */
const RELAY_ONLY_KEY = 'jim.callRelayOnly'

export class CallActions {
  readonly store = new Store<CallUi>(idle())
  readonly #c: AppContext
  readonly #ringer = new Ringer()
  #connectionId: string | null = null
  #mesh: CallMesh | null = null
  #frameIds = 0
  readonly #waiting = new Map<string, (frame: ServerFrame) => void>()

  constructor(context: AppContext) {
    this.#c = context
    // a hook for browser tests and diagnostics: media counters of the current call, and an ICE restart on demand
    ;(globalThis as { jimCall?: unknown }).jimCall = {
      stats: () => this.#mesh?.stats() ?? null,
      ui: () => this.ui,
      restartIce: () => this.#mesh?.restartIce() ?? 0,
      remoteIceUfrags: () => this.#mesh?.remoteIceUfrags() ?? [],
    }
  }

  get ui(): CallUi {
    return this.store.getState()
  }

  /** This socket's id (from `ready`): a new socket is a new device for the server, the old one's call part ended. */
  socketReady(connectionId: string): void {
    if (this.#connectionId && this.#connectionId !== connectionId && this.ui.phase !== 'idle') this.#teardown('failed')
    this.#connectionId = connectionId
  }

  async start(conversationId: string, media: CallMedia): Promise<void> {
    if (this.ui.phase !== 'idle') return
    const prepared = await this.#prepare(media)
    if (!prepared) return
    const answer = await this.#ask({ type: 'call.start', conversationId, media })
    if (answer.type !== 'call.updated' || answer.call.state === 'ended') {
      prepared.local.getTracks().forEach((t) => t.stop())
      if (answer.type === 'error') this.#c.notify({ kind: 'error', code: answer.code, fallback: answer.message })
      else this.#showEnded(answer.call.endReason ?? 'failed')
      return
    }
    this.#begin(answer.call, prepared, 'outgoing')
  }

  /** Answers the ringing call (or joins a running group call) from this device. */
  async accept(call: Call | null = this.ui.call): Promise<void> {
    if (!call || (this.ui.phase !== 'incoming' && this.ui.phase !== 'idle')) return
    this.#ringer.stop()
    const prepared = await this.#prepare(call.media)
    if (!prepared) return this.decline()
    const answer = await this.#ask({ type: 'call.join', callId: call.id })
    if (answer.type !== 'call.updated' || answer.call.state === 'ended') {
      prepared.local.getTracks().forEach((t) => t.stop())
      this.store.update((s) => ({ ...idle(s.running) }))
      if (answer.type === 'error') this.#c.notify({ kind: 'error', code: answer.code, fallback: answer.message })
      return
    }
    this.#begin(answer.call, prepared, 'in-call')
    // the later joiner offers to everyone already in
    for (const p of answer.call.participants) {
      if (p.state === 'joined' && p.connectionId && p.connectionId !== this.#connectionId)
        void this.#mesh!.connect(p.connectionId, p.userId)
    }
  }

  /** Asks whether a group chat has a call running (after a reload nothing told us yet). */
  async loadRunning(conversationId: string): Promise<void> {
    try {
      const { call } = await this.#c.api.runningCall(conversationId)
      if (call) this.#onUpdated(call)
    } catch {
      // no call info: the bar appears with the next call.updated
    }
  }

  decline(): void {
    const call = this.ui.call
    this.#ringer.stop()
    this.store.update((s) => idle(s.running))
    if (call) this.#send({ type: 'call.decline', callId: call.id })
  }

  hangUp(): void {
    const call = this.ui.call
    if (call) this.#send({ type: 'call.leave', callId: call.id })
    this.#teardown(null)
  }

  toggleMute(): void {
    const muted = !this.ui.muted
    this.ui.local?.getAudioTracks().forEach((t) => (t.enabled = !muted))
    this.store.update((s) => ({ ...s, muted }))
    this.#sendMedia()
  }

  toggleCamera(): void {
    if (this.ui.voiceOnly) return
    const cameraOff = !this.ui.cameraOff
    this.ui.local?.getVideoTracks().forEach((t) => (t.enabled = !cameraOff))
    this.store.update((s) => ({ ...s, cameraOff }))
    this.#sendMedia()
  }

  /** Stops the camera for the rest of the call (less bandwidth, and the light goes off). */
  voiceOnly(): void {
    const local = this.ui.local
    local?.getVideoTracks().forEach((t) => {
      t.stop()
      local.removeTrack(t)
    })
    void this.#mesh?.replaceVideo(null)
    this.store.update((s) => ({ ...s, voiceOnly: true, cameraOff: true }))
    this.#sendMedia()
  }

  /** `call.updated`, `call.signal`, and errors answering our call frames. */
  onFrame(frame: ServerFrame): void {
    if ('replyTo' in frame && typeof frame.replyTo === 'string' && this.#waiting.has(frame.replyTo)) {
      const resolve = this.#waiting.get(frame.replyTo)!
      this.#waiting.delete(frame.replyTo)
      resolve(frame)
      if (frame.type === 'error') return
    }
    if (frame.type === 'call.signal') {
      if (this.#mesh && this.ui.call?.id === frame.callId) void this.#mesh.onSignal(frame).catch(() => {})
      return
    }
    if (frame.type === 'call.updated') this.#onUpdated(frame.call)
  }

  #onUpdated(call: Call): void {
    const me = this.#c.me
    this.store.update((s) => {
      const running = { ...s.running }
      if (call.kind === 'group' && call.state !== 'ended') running[call.conversationId] = call
      else if (running[call.conversationId]?.id === call.id) delete running[call.conversationId]
      return { ...s, running }
    })
    const ui = this.ui
    const mine = call.participants.find((p) => p.userId === me)
    if (ui.call?.id === call.id) {
      if (call.state === 'ended') return this.#teardown(call.endReason ?? 'completed')
      if (ui.phase === 'incoming') {
        // answered on another of my devices, or declined there: stop ringing here
        if (mine && (mine.state === 'declined' || (mine.state === 'joined' && mine.connectionId !== this.#connectionId))) {
          this.#ringer.stop()
          this.store.update((s) => idle(s.running))
        } else this.store.update((s) => ({ ...s, call }))
        return
      }
      const others = call.participants.filter((p) => p.state === 'joined' && p.connectionId && p.connectionId !== this.#connectionId)
      this.#mesh?.keepOnly(new Set(others.map((p) => p.connectionId!)))
      this.store.update((s) => ({
        ...s,
        call,
        phase: call.state === 'active' && s.phase === 'outgoing' && others.length > 0 ? 'in-call' : s.phase,
      }))
      return
    }
    if (ui.phase !== 'idle' || call.state !== 'ringing' || call.initiatorId === me) return
    if (call.kind === 'direct' ? mine?.state !== 'invited' : mine !== undefined) return
    this.store.update((s) => ({ ...s, phase: 'incoming', call, ended: null }))
    this.#ringer.start()
  }

  /** Microphone (and camera) and ICE servers; null (with a notice) when the browser refuses. */
  async #prepare(media: CallMedia): Promise<{ local: MediaStream; iceServers: RTCIceServer[] } | null> {
    let local: MediaStream
    try {
      local = await navigator.mediaDevices.getUserMedia({ audio: true, video: media === 'video' })
    } catch {
      this.#c.notify({ kind: 'error', key: 'call.mediaDenied' })
      return null
    }
    let iceServers: RTCIceServer[] = []
    try {
      iceServers = (await this.#c.api.iceServers()).iceServers
    } catch {
      // no STUN/TURN: calls still work where peers reach each other directly
    }
    return { local, iceServers }
  }

  #begin(call: Call, prepared: { local: MediaStream; iceServers: RTCIceServer[] }, phase: CallPhase): void {
    this.#mesh?.close()
    this.#mesh = new CallMesh({
      callId: call.id,
      iceServers: prepared.iceServers,
      relayOnly: safeStorage.get(RELAY_ONLY_KEY) === '1',
      local: prepared.local,
      send: (frame) => this.#send(frame),
      onChange: () => this.store.update((s) => ({ ...s, peers: this.#mesh?.peers() ?? [] })),
    })
    this.store.update((s) => ({ ...idle(s.running), phase, call, local: prepared.local }))
  }

  #teardown(reason: string | null): void {
    this.#ringer.stop()
    this.#mesh?.close()
    this.#mesh = null
    this.ui.local?.getTracks().forEach((t) => t.stop())
    this.store.update((s) => idle(s.running))
    if (reason) this.#showEnded(reason)
  }

  #showEnded(reason: string): void {
    this.store.update((s) => ({ ...s, ended: { reason } }))
    setTimeout(() => this.store.update((s) => (s.ended?.reason === reason ? { ...s, ended: null } : s)), 4000)
  }

  #sendMedia(): void {
    const { call, muted, cameraOff } = this.ui
    if (call && this.ui.phase !== 'incoming') this.#send({ type: 'call.media', callId: call.id, muted, cameraOff })
  }

  #send(frame: ClientFrame): void {
    this.#c.socket.send(frame)
  }

  /** Sends a frame with an id and waits for the frame answering it (`call.updated` or `error`). */
  #ask(frame: Extract<ClientFrame, { id?: unknown }>): Promise<ServerFrameOf<'call.updated'> | ServerFrameOf<'error'>> {
    const id = `call-${++this.#frameIds}`
    return new Promise((resolve) => {
      const fail = () => {
        this.#waiting.delete(id)
        resolve({ type: 'error', code: 'service.unavailable', message: 'Not connected.' })
      }
      // the socket dropped before an answer: the server ends a half-made call with the socket
      const timer = setTimeout(fail, 15_000)
      this.#waiting.set(id, (f) => {
        clearTimeout(timer)
        resolve(f as ServerFrameOf<'call.updated'> | ServerFrameOf<'error'>)
      })
      if (!this.#c.socket.send({ ...frame, id } as ClientFrame)) {
        clearTimeout(timer)
        fail()
      }
    })
  }
}
