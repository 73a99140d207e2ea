import { readFileSync } from 'node:fs'
import { CLIENT_FRAMES, SERVER_FRAMES } from '@jim/protocol'
import { describe, expect, it } from 'vitest'
import { protocolMarkdown } from '../../scripts/protocol-docs.js'

describe('docs/protocol.md', () => {
  it('should be in step with packages/protocol (run `npm run docs`)', () => {
    expect(readFileSync('docs/protocol.md', 'utf8')).toBe(protocolMarkdown())
  })

  it('should list every client and server frame type', () => {
    const doc = readFileSync('docs/protocol.md', 'utf8')
    const types = [...Object.keys(CLIENT_FRAMES), ...SERVER_FRAMES.map((f) => f.properties.type.const)]
    for (const type of types) expect(doc).toContain(`### \`${type}\``)
  })
})
