// The layers of src/ and which may import which (see docs/CONTRIBUTING.md, "Layers").
// eslint-plugin-boundaries classifies every file of src/ by folder; an import across a line not
// allowed here fails `npm run lint`. test/lint/layers.test.ts proves the rule still bites.
import boundaries from 'eslint-plugin-boundaries'

/** Libraries that talk to the outside world: only adapters (and the composition root) use them. */
const DRIVERS = [
  'ioredis',
  'nodemailer',
  'sharp',
  'kysely',
  'pg',
  'mysql2',
  'better-sqlite3',
  'fastify',
  '@fastify/*',
  'ws',
  'node:fs',
  'node:fs/promises',
  'fs',
  'fs/promises',
  'node:http',
]
const SQL = ['kysely', 'pg', 'mysql2', 'better-sqlite3']

const elements = [
  { type: 'domain', pattern: 'src/domain/**', partialMatch: false },
  { type: 'adapters', pattern: ['src/adapters/**', 'src/broker/**', 'src/presence/**', 'src/store/local/**'], partialMatch: false },
  { type: 'store', pattern: 'src/store/sql/**', partialMatch: false },
  { type: 'http', pattern: 'src/http/**', partialMatch: false },
  { type: 'gateway', pattern: 'src/gateway/**', partialMatch: false },
  { type: 'config', pattern: 'src/config/**', partialMatch: false },
  { type: 'shared', pattern: 'src/shared/**', partialMatch: false },
  { type: 'ops', pattern: 'src/ops/**', partialMatch: false },
]

const to = (...types) => ({ to: { element: { types: { anyOf: types } } } })

// The composition root (src/app.ts, src/composition/**, main.ts, cli*.ts) is no element: it may wire everything.
// Later policies override earlier ones.
const policies = [
  // libraries and node: builtins by default; the drivers are taken back below
  { allow: { to: { module: { origin: ['external', 'core'] } } } },
  // domain: rules and ports; knows nothing of HTTP, WebSocket, SQL, Redis or the disk
  { from: { element: { type: 'domain' } }, allow: to('domain', 'shared', 'config') },
  // adapters implement domain ports
  { from: { element: { type: 'adapters' } }, allow: to('adapters', 'domain', 'shared', 'config') },
  // the SQL store persists; it implements the domain's store ports and decides nothing
  { from: { element: { type: 'store' } }, allow: to('store', 'domain', 'shared', 'config') },
  { from: { element: { type: 'store' } }, disallow: { to: { file: { categories: 'domain-errors' } } } },
  // transports: parse, validate, authenticate, map errors; call domain services, never a store adapter
  { from: { element: { type: 'http' } }, allow: to('http', 'domain', 'shared', 'config') },
  { from: { element: { type: 'gateway' } }, allow: to('gateway', 'domain', 'shared', 'config', 'http') },
  // config may read domain constants (client-visible limits); shared depends on nothing of ours
  { from: { element: { type: 'config' } }, allow: to('config', 'shared', 'domain') },
  { from: { element: { type: 'shared' } }, allow: to('shared') },
  // operator tools (doctor, copy-data, backup) work on the database directly
  { from: { element: { type: 'ops' } }, allow: to('ops', 'store', 'domain', 'adapters', 'config', 'shared') },
  // drivers (database, Redis, SMTP, images, HTTP, the disk) never in the domain
  { from: { element: { type: 'domain' } }, disallow: { to: { module: { source: DRIVERS } } } },
  // transports reach storage and messaging only through domain services
  {
    from: { element: { types: { anyOf: ['http', 'gateway'] } } },
    disallow: { to: { module: { origin: 'external', source: [...SQL, 'ioredis', 'nodemailer', 'sharp'] } } },
  },
]

export const layersConfig = {
  files: ['src/**/*.ts'],
  plugins: { boundaries },
  settings: {
    'boundaries/elements': elements,
    // the error catalogue is part of the domain, but stores (which persist, not decide) stay off it
    'boundaries/files': [{ category: 'domain-errors', pattern: 'src/domain/errors.ts' }],
    'boundaries/include': ['src/**/*.ts'],
    'import/resolver': { typescript: { project: './tsconfig.json' } },
  },
  rules: {
    'boundaries/dependencies': ['error', { default: 'disallow', checkAllOrigins: true, policies }],
  },
}
