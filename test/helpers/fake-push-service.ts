import { createECDH, createDecipheriv, hkdfSync, randomBytes, type ECDH } from 'node:crypto'
import { createServer, type Server } from 'node:http'
import type { AddressInfo } from 'node:net'

/** A push as the push service received it, decrypted with the device's keys. */
export interface ReceivedPush {
  device: string
  payload: any
  headers: Record<string, string | string[] | undefined>
}

/** A browser's side of one subscription: its P-256 key pair and auth secret (RFC 8291). */
export class FakeDevice {
  readonly ecdh: ECDH = createECDH('prime256v1')
  readonly authSecret = randomBytes(16)
  constructor(
    readonly name: string,
    readonly endpoint: string,
  ) {
    this.ecdh.generateKeys()
  }

  /** What the browser's PushSubscription.toJSON() gives the app. */
  subscription(): { endpoint: string; keys: { p256dh: string; auth: string } } {
    return {
      endpoint: this.endpoint,
      keys: { p256dh: this.ecdh.getPublicKey().toString('base64url'), auth: this.authSecret.toString('base64url') },
    }
  }

  /** RFC 8188 aes128gcm with RFC 8291 key derivation, written out here (not the sender's library). */
  decrypt(body: Buffer): string {
    const salt = body.subarray(0, 16)
    const idLength = body[20]!
    const senderPublic = body.subarray(21, 21 + idLength)
    const ciphertext = body.subarray(21 + idLength)
    const shared = this.ecdh.computeSecret(senderPublic)
    const keyInfo = Buffer.concat([Buffer.from('WebPush: info\0'), this.ecdh.getPublicKey(), senderPublic])
    const ikm = Buffer.from(hkdfSync('sha256', shared, this.authSecret, keyInfo, 32))
    const cek = Buffer.from(hkdfSync('sha256', ikm, salt, Buffer.from('Content-Encoding: aes128gcm\0'), 16))
    const nonce = Buffer.from(hkdfSync('sha256', ikm, salt, Buffer.from('Content-Encoding: nonce\0'), 12))
    const decipher = createDecipheriv('aes-128-gcm', cek, nonce)
    decipher.setAuthTag(ciphertext.subarray(ciphertext.length - 16))
    const plain = Buffer.concat([decipher.update(ciphertext.subarray(0, ciphertext.length - 16)), decipher.final()])
    // the last record ends with the delimiter 0x02, then zero padding
    let end = plain.length - 1
    while (end >= 0 && plain[end] === 0) end--
    if (plain[end] !== 2) throw new Error('bad padding delimiter')
    return plain.subarray(0, end).toString('utf8')
  }
}

/**
 * A push service on 127.0.0.1 (plain http: JIM allows it only with push.allowInsecureEndpoints):
 * records each push to `/push/<device>` decrypted with that device's keys. `gone` devices answer
 * 410 like an expired subscription.
 */
export class FakePushService {
  readonly received: ReceivedPush[] = []
  readonly hits = new Map<string, number>()
  readonly gone = new Set<string>()
  readonly #devices = new Map<string, FakeDevice>()
  #server: Server
  #url = ''

  constructor() {
    this.#server = createServer((req, res) => {
      const chunks: Buffer[] = []
      req.on('data', (c: Buffer) => chunks.push(c))
      req.on('end', () => {
        const name = decodeURIComponent((req.url ?? '').replace(/^\/push\//, ''))
        this.hits.set(name, (this.hits.get(name) ?? 0) + 1)
        const device = this.#devices.get(name)
        if (!device || this.gone.has(name)) {
          res.writeHead(410).end()
          return
        }
        try {
          const payload = JSON.parse(device.decrypt(Buffer.concat(chunks)))
          this.received.push({ device: name, payload, headers: req.headers })
          res.writeHead(201).end()
        } catch (err) {
          this.received.push({ device: name, payload: { error: String(err) }, headers: req.headers })
          res.writeHead(400).end()
        }
      })
    })
  }

  async start(): Promise<this> {
    await new Promise<void>((resolve) => this.#server.listen(0, '127.0.0.1', resolve))
    this.#url = `http://127.0.0.1:${(this.#server.address() as AddressInfo).port}`
    return this
  }

  async stop(): Promise<void> {
    await new Promise<void>((resolve) => this.#server.close(() => resolve()))
  }

  device(name: string): FakeDevice {
    const device = new FakeDevice(name, `${this.#url}/push/${encodeURIComponent(name)}`)
    this.#devices.set(name, device)
    return device
  }

  /** Decrypted payloads pushed to `device`. */
  to(device: string): any[] {
    return this.received.filter((r) => r.device === device).map((r) => r.payload)
  }
}
