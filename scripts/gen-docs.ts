/**
 * Prints the generated parts of the docs from their single sources: the config table
 * (src/config/schema.ts), config.example.yml, the error-code table (src/domain/errors.ts) and
 * docs/protocol.md (packages/protocol). `npm run docs` rewrites config.example.yml, docs/protocol.md
 * and the marked sections of README.md.
 */
import { readFileSync, writeFileSync } from 'node:fs'
import { CONFIG_KEYS } from '../src/config/schema.js'
import { ERROR_CATALOGUE } from '../src/domain/errors.js'
import { STATUS_OF_KIND } from '../src/http/error-response.js'
import { protocolMarkdown } from './protocol-docs.js'

function show(value: unknown): string {
  return Array.isArray(value) ? value.join(',') : value === '' || value === null ? '(empty)' : String(value)
}

export function configTable(): string {
  const rows = CONFIG_KEYS.map(
    (k) => `| \`${k.env}\` | \`${k.path}\` / \`${k.flag}\` | ${show(k.default)} | ${k.doc.replace(/\|/g, '\\|')} |`,
  )
  return ['| env | config.yml key / flag | default | meaning |', '|---|---|---|---|', ...rows].join('\n')
}

export function errorTable(): string {
  const rows = ERROR_CATALOGUE.map((e) => `| \`${e.code}\` | ${STATUS_OF_KIND[e.kind]} | ${e.message} |`)
  return ['| code | status | meaning |', '|---|---|---|', ...rows].join('\n')
}

export function exampleYaml(): string {
  const lines = [
    '# JIM configuration. Every key is optional; shown with its default.',
    '# Precedence: defaults <- this file <- JIM_* environment <- command-line flags.',
  ]
  // YAML sections must be contiguous: group keys by their top-level section, in first-seen order
  const sections = new Map<string, (typeof CONFIG_KEYS)[number][]>()
  for (const k of CONFIG_KEYS) {
    const top = k.path.includes('.') ? k.path.split('.')[0]! : ''
    sections.set(top, [...(sections.get(top) ?? []), k])
  }
  for (const [top, keys] of sections) {
    lines.push('')
    if (top) lines.push(`${top}:`)
    const indent = top ? '  ' : ''
    for (const k of keys) {
      const value =
        k.default === '' ? "''" : typeof k.default === 'string' || Array.isArray(k.default) ? JSON.stringify(k.default) : String(k.default)
      lines.push(`${indent}# ${k.doc} (${k.env})`)
      lines.push(`${indent}${k.path.split('.').at(-1)}: ${value}`)
    }
  }
  return lines.join('\n') + '\n'
}

function replaceBetween(text: string, marker: string, body: string): string {
  const start = `<!-- ${marker}:start -->`
  const end = `<!-- ${marker}:end -->`
  const i = text.indexOf(start)
  const j = text.indexOf(end)
  if (i < 0 || j < 0) throw new Error(`README.md lacks ${start} ... ${end}`)
  return text.slice(0, i + start.length) + '\n' + body + '\n' + text.slice(j)
}

writeFileSync('config.example.yml', exampleYaml())
let readme = readFileSync('README.md', 'utf8')
readme = replaceBetween(readme, 'config', configTable())
readme = replaceBetween(readme, 'errors', errorTable())
writeFileSync('README.md', readme)
writeFileSync('docs/protocol.md', protocolMarkdown())
console.log('wrote config.example.yml, docs/protocol.md and README.md tables')
