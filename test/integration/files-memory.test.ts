import { readFileSync, writeFileSync } from 'node:fs'
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { createUser, type TestUser } from '../helpers/api-client.js'
import { InstanceProcess } from '../helpers/instance-process.js'
import { upload } from '../helpers/uploads.js'

const MB = 1024 * 1024
const FILE_BYTES = 20 * MB

/** The server's peak resident memory (VmHWM) since the last reset, in bytes. */
function peakRss(pid: number): number {
  const kb = /VmHWM:\s+(\d+) kB/.exec(readFileSync(`/proc/${pid}/status`, 'utf8'))
  return Number(kb![1]) * 1024
}

/** Resets the peak to the current resident size (Linux: clear_refs 5). */
function resetPeak(pid: number): void {
  writeFileSync(`/proc/${pid}/clear_refs`, '5')
}

/** Reads a response body to its end without keeping it (the test process must not be what is measured). */
async function consume(res: Response): Promise<number> {
  let n = 0
  if (!res.body) return 0
  for await (const chunk of res.body as unknown as AsyncIterable<Uint8Array>) n += chunk.length
  return n
}

/**
 * Memory bounds of the file paths, measured on a real server process: its peak resident
 * memory while 20 parallel downloads, 100 parallel HEADs and 10 parallel 20 MB uploads run
 * must grow by far less than the bytes moved (a server buffering whole files would grow by
 * hundreds of megabytes; finding 5 of issue 16 saw 632 MB → 2.2 GB).
 */
for (const driver of ['local', 'sql'] as const) {
  describe(`files.driver = ${driver}: memory stays bounded under parallel transfers`, () => {
    let server: InstanceProcess
    let users: TestUser[]
    let fileId: string
    let data: Buffer

    beforeAll(async () => {
      server = await InstanceProcess.start({
        JIM_FILES_DRIVER: driver,
        JIM_FILES_MAX_FILE_BYTES: String(25 * MB),
        JIM_RATE_LIMIT_UPLOADS_PER_MINUTE: '1000',
      })
      await server.ready()
      users = await Promise.all(Array.from({ length: 10 }, (_, i) => createUser(server.url, `mem${i}`)))
      data = Buffer.alloc(FILE_BYTES)
      for (let i = 0; i < data.length; i += 4096) data[i] = i & 0xff
      const res = await upload(server.url, users[0]!, data, { name: 'big.bin', kind: 'file' })
      expect(res.status).toBe(201)
      fileId = res.body.fileId
      // warm every path once, so the measurement sees transfers and not first-use setup
      await consume(await fetch(`${server.url}/api/v1/files/${fileId}`, { headers: { authorization: `Bearer ${users[0]!.token}` } }))
    }, 120_000)
    afterAll(async () => {
      await server?.stop()
    })

    it('should grow by much less than the bytes moved during 20 downloads, 100 HEADs and 10 uploads of 20 MB at once', async () => {
      const auth = { authorization: `Bearer ${users[0]!.token}` }
      const { url } = (await (await fetch(`${server.url}/api/v1/files/${fileId}/url`, { headers: auth })).json()) as { url: string }
      resetPeak(server.pid)
      const before = peakRss(server.pid)
      const downloads = Array.from({ length: 20 }, async () =>
        consume(await fetch(`${server.url}/api/v1/files/${fileId}`, { headers: auth })),
      )
      const heads = Array.from({ length: 100 }, async () => {
        const res = await fetch(`${server.url}${url}`, { method: 'HEAD' })
        await consume(res)
        return Number(res.headers.get('content-length'))
      })
      const uploads = users.map(async (u) => (await upload(server.url, u, data, { name: 'up.bin', kind: 'file' })).status)
      const [got, lengths, statuses] = await Promise.all([Promise.all(downloads), Promise.all(heads), Promise.all(uploads)])
      const growth = peakRss(server.pid) - before
      const moved = FILE_BYTES * (20 + 10)
      console.log(`${driver}: peak RSS grew ${(growth / MB).toFixed(1)} MB while ${moved / MB} MB moved (+100 HEADs of 20 MB)`)
      expect(got).toEqual(Array(20).fill(FILE_BYTES))
      expect(lengths).toEqual(Array(100).fill(FILE_BYTES))
      expect(statuses).toEqual(Array(10).fill(201))
      // a whole-file buffer per transfer would be >= 600 MB here (and 2 GB more for the HEADs)
      expect(growth).toBeLessThan(150 * MB)
    }, 180_000)
  })
}
