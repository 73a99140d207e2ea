#!/usr/bin/env node
// npm run release [-- --out <dir>] [-- --no-build]
// Builds a versioned npm tarball of JIM (server and web client prebuilt, the `jim` command, no dev
// dependencies), its SHA-256 checksum file and release notes from the commit log, into release/.
// The tarball is `npm pack` of a staging directory holding only what ships; the workspace package
// @jim/protocol is not on any registry, so it travels inside dist/ (see below).
import { execFileSync } from 'node:child_process'
import { createHash } from 'node:crypto'
import { cpSync, existsSync, mkdirSync, readdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs'
import { dirname, join, relative, resolve, sep } from 'node:path'

const root = resolve(import.meta.dirname, '..')
const args = process.argv.slice(2)
const out = resolve(args.includes('--out') ? args[args.indexOf('--out') + 1] : join(root, 'release'))
const pkg = JSON.parse(readFileSync(join(root, 'package.json'), 'utf8'))
const run = (cmd, cmdArgs, opts = {}) => execFileSync(cmd, cmdArgs, { cwd: root, encoding: 'utf8', ...opts })

if (!args.includes('--no-build')) run('npm', ['run', 'build'], { stdio: 'inherit' })
for (const built of ['dist/cli.js', 'dist/web/index.html', 'packages/protocol/dist/index.js'])
  if (!existsSync(join(root, built))) throw new Error(`${built} is missing: run npm run build (or drop --no-build)`)

const stage = join(out, `stage-${pkg.version}`)
rmSync(stage, { recursive: true, force: true })
mkdirSync(stage, { recursive: true })
cpSync(join(root, 'dist'), join(stage, 'dist'), { recursive: true })
// read at run time beside dist/ (the bundled stickers)
cpSync(join(root, 'assets'), join(stage, 'assets'), { recursive: true })
for (const file of ['README.md', 'config.example.yml', 'LICENSE'])
  if (existsSync(join(root, file))) cpSync(join(root, file), join(stage, file))

// The workspace package @jim/protocol is on no registry, and npm's bundleDependencies drop a
// bundled package's own dependencies from the install: instead its compiled JS ships inside dist/
// (dist/vendor/<name>) and the server's imports of it are rewritten to relative paths. Its
// dependencies must be jim's own.
const vendored = Object.keys(pkg.dependencies).filter((name) => existsSync(join(root, 'packages', name.split('/').pop(), 'package.json')))
for (const name of vendored) {
  const from = join(root, 'packages', name.split('/').pop())
  const inner = JSON.parse(readFileSync(join(from, 'package.json'), 'utf8'))
  for (const dep of Object.keys(inner.dependencies ?? {}))
    if (!pkg.dependencies[dep]) throw new Error(`${name} depends on ${dep}, which jim does not: add it to jim's dependencies`)
  const target = join(stage, 'dist', 'vendor', name.replace('/', '-').replace('@', ''))
  cpSync(join(from, 'dist'), target, { recursive: true })
  const specifier = new RegExp(`(from\\s*|import\\s*\\(\\s*)(['"])${name.replace('/', '\\/')}\\2`, 'g')
  for (const file of readdirSync(join(stage, 'dist'), { recursive: true, encoding: 'utf8' })) {
    if (!file.endsWith('.js') || file.startsWith('vendor')) continue
    const path = join(stage, 'dist', file)
    const code = readFileSync(path, 'utf8')
    let rel = relative(dirname(path), join(target, 'index.js')).split(sep).join('/')
    if (!rel.startsWith('.')) rel = `./${rel}`
    const rewritten = code.replace(specifier, (_m, lead, quote) => `${lead}${quote}${rel}${quote}`)
    if (rewritten !== code) writeFileSync(path, rewritten)
  }
}

const files = ['dist', 'assets', 'README.md', 'config.example.yml', ...(existsSync(join(root, 'LICENSE')) ? ['LICENSE'] : [])]
const shipped = {
  name: pkg.name,
  version: pkg.version,
  description: pkg.description,
  type: pkg.type,
  license: pkg.license,
  engines: pkg.engines,
  bin: pkg.bin,
  files,
  dependencies: Object.fromEntries(Object.entries(pkg.dependencies).filter(([name]) => !vendored.includes(name))),
}
writeFileSync(join(stage, 'package.json'), JSON.stringify(shipped, null, 2) + '\n')

const tarball = `${pkg.name}-${pkg.version}.tgz`
run('npm', ['pack', stage, '--pack-destination', out, '--silent'])
const digest = createHash('sha256')
  .update(readFileSync(join(out, tarball)))
  .digest('hex')
writeFileSync(join(out, `${tarball}.sha256`), `${digest}  ${tarball}\n`)

// notes: the commits since the previous tag (all of them before the first tag)
let since = ''
try {
  since = run('git', ['describe', '--tags', '--abbrev=0'], { stdio: ['ignore', 'pipe', 'ignore'] }).trim()
} catch {
  // no tag yet
}
const log = run('git', ['log', '--no-merges', '--pretty=format:- %s (%h)', ...(since ? [`${since}..HEAD`] : [])])
const notes = `# JIM ${pkg.version}\n\n${since ? `Changes since ${since}:` : 'Changes:'}\n\n${log}\n\nInstall: \`npm install -g ./${tarball} && jim serve\` (Node ${pkg.engines.node}).\nSHA-256: ${digest}\n`
writeFileSync(join(out, `RELEASE-NOTES-${pkg.version}.md`), notes)
rmSync(stage, { recursive: true, force: true })
console.log(`${join(out, tarball)}\n${join(out, `${tarball}.sha256`)}\n${join(out, `RELEASE-NOTES-${pkg.version}.md`)}`)
