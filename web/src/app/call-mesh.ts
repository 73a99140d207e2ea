/**
 * The WebRTC side of one call on this device: one RTCPeerConnection per other participant (a
 * mesh). Who offers is fixed by the join order (the later joiner offers to those already in), so
 * two sides never offer at once; the offerer restarts ICE when a connection fails, or stays
 * disconnected (a network drop, a switch from Wi-Fi to mobile) for DISCONNECT_GRACE_MS.
 */
import type { ClientFrame, ServerFrameOf } from '../api/types.js'

/** How long a connection may stay `disconnected` (it often recovers by itself) before ICE restarts. */
const DISCONNECT_GRACE_MS = 3000

export interface PeerView {
  connectionId: string
  userId: string
  stream: MediaStream
  state: RTCPeerConnectionState
}

interface Peer extends PeerView {
  pc: RTCPeerConnection
  offerer: boolean
  /** candidates that came before the remote description */
  pending: RTCIceCandidateInit[]
  restartTimer?: ReturnType<typeof setTimeout>
}

export interface MeshOptions {
  callId: string
  iceServers: RTCIceServer[]
  /** only TURN relays (a test, or a network that must not expose addresses) */
  relayOnly: boolean
  local: MediaStream
  send: (frame: ClientFrame) => void
  onChange: () => void
}

export class CallMesh {
  readonly #o: MeshOptions
  readonly #peers = new Map<string, Peer>()

  constructor(options: MeshOptions) {
    this.#o = options
  }

  peers(): PeerView[] {
    return [...this.#peers.values()].map(({ connectionId, userId, stream, state }) => ({ connectionId, userId, stream, state }))
  }

  /** I joined after them: I send the offer. */
  async connect(connectionId: string, userId: string): Promise<void> {
    if (this.#peers.has(connectionId)) return
    const peer = this.#peer(connectionId, userId, true)
    await this.#offer(peer, false)
  }

  async onSignal(frame: ServerFrameOf<'call.signal'>): Promise<void> {
    const peer = this.#peers.get(frame.fromConnectionId) ?? this.#peer(frame.fromConnectionId, frame.fromUserId, false)
    const { pc } = peer
    if (frame.description) {
      await pc.setRemoteDescription(frame.description)
      if (frame.description.type === 'offer') {
        await pc.setLocalDescription(await pc.createAnswer())
        this.#sendDescription(peer)
      }
      for (const c of peer.pending.splice(0)) await pc.addIceCandidate(c).catch(() => {})
    } else if (frame.candidate) {
      if (!pc.remoteDescription) peer.pending.push(frame.candidate)
      else await pc.addIceCandidate(frame.candidate).catch(() => {})
    }
  }

  /** Closes the connections of participants no longer in the call. */
  keepOnly(connectionIds: ReadonlySet<string>): void {
    for (const id of [...this.#peers.keys()]) if (!connectionIds.has(id)) this.#drop(id)
  }

  /** Swaps the camera track on every connection (null: voice only). */
  async replaceVideo(track: MediaStreamTrack | null): Promise<void> {
    for (const { pc } of this.#peers.values()) {
      for (const sender of pc.getSenders()) if (sender.track?.kind === 'video' || (!sender.track && track)) await sender.replaceTrack(track)
    }
  }

  close(): void {
    for (const id of [...this.#peers.keys()]) this.#drop(id)
  }

  /** Restarts ICE on the connections this side offers (new candidates on both sides); how many. */
  restartIce(): number {
    const offered = [...this.#peers.values()].filter((p) => p.offerer)
    for (const peer of offered) void this.#offer(peer, true).catch(() => {})
    return offered.length
  }

  /** The remote ICE username fragment per connection: it changes with every ICE restart. */
  remoteIceUfrags(): string[] {
    return [...this.#peers.values()].map(({ pc }) => /a=ice-ufrag:(\S+)/.exec(pc.remoteDescription?.sdp ?? '')?.[1] ?? '')
  }

  /** Media counters for tests and diagnostics: bytes received, and whether any pair runs through a relay. */
  async stats(): Promise<{ inboundBytes: number; connected: number; relayed: number }> {
    let inboundBytes = 0
    let connected = 0
    let relayed = 0
    for (const { pc } of this.#peers.values()) {
      if (pc.connectionState === 'connected') connected++
      const report = await pc.getStats()
      const byId = new Map<string, any>()
      report.forEach((r: any) => byId.set(r.id, r))
      let pairRelayed = false
      report.forEach((r: any) => {
        if (r.type === 'inbound-rtp') inboundBytes += r.bytesReceived ?? 0
        if (r.type === 'candidate-pair' && r.nominated && r.state === 'succeeded') {
          if (byId.get(r.localCandidateId)?.candidateType === 'relay') pairRelayed = true
        }
      })
      if (pairRelayed) relayed++
    }
    return { inboundBytes, connected, relayed }
  }

  #peer(connectionId: string, userId: string, offerer: boolean): Peer {
    const { iceServers, relayOnly, local, callId, send } = this.#o
    const pc = new RTCPeerConnection({ iceServers, iceTransportPolicy: relayOnly ? 'relay' : 'all' })
    for (const track of local.getTracks()) pc.addTrack(track, local)
    const peer: Peer = { connectionId, userId, stream: new MediaStream(), state: pc.connectionState, pc, offerer, pending: [] }
    pc.ontrack = (e) => {
      peer.stream.addTrack(e.track)
      this.#o.onChange()
    }
    pc.onicecandidate = (e) => {
      if (!e.candidate) return
      const { candidate, sdpMid, sdpMLineIndex, usernameFragment } = e.candidate.toJSON()
      send({
        type: 'call.signal',
        callId,
        toConnectionId: connectionId,
        candidate: { candidate: candidate ?? '', sdpMid, sdpMLineIndex, usernameFragment },
      })
    }
    pc.onconnectionstatechange = () => {
      peer.state = pc.connectionState
      // a network drop: the offerer asks for new candidates on both sides, at once when the
      // connection failed, after a grace when it is only disconnected
      clearTimeout(peer.restartTimer)
      if (peer.offerer && pc.connectionState === 'failed') void this.#offer(peer, true).catch(() => {})
      if (peer.offerer && pc.connectionState === 'disconnected') {
        peer.restartTimer = setTimeout(() => {
          if (pc.connectionState === 'disconnected') void this.#offer(peer, true).catch(() => {})
        }, DISCONNECT_GRACE_MS)
      }
      this.#o.onChange()
    }
    this.#peers.set(connectionId, peer)
    this.#o.onChange()
    return peer
  }

  async #offer(peer: Peer, iceRestart: boolean): Promise<void> {
    await peer.pc.setLocalDescription(await peer.pc.createOffer({ iceRestart }))
    this.#sendDescription(peer)
  }

  #sendDescription(peer: Peer): void {
    const d = peer.pc.localDescription
    if (!d || (d.type !== 'offer' && d.type !== 'answer')) return
    this.#o.send({
      type: 'call.signal',
      callId: this.#o.callId,
      toConnectionId: peer.connectionId,
      description: { type: d.type, sdp: d.sdp },
    })
  }

  #drop(connectionId: string): void {
    const peer = this.#peers.get(connectionId)
    if (!peer) return
    clearTimeout(peer.restartTimer)
    peer.pc.close()
    this.#peers.delete(connectionId)
    this.#o.onChange()
  }
}
