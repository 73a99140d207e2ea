#!/usr/bin/env node
// npm run release [-- --out <dir>] [-- --no-build]
// Builds a versioned npm tarball of JIM (server and web client prebuilt, the `jim` command, no dev
// dependencies), its SHA-256 checksum file and release notes from the commit log, into release/.
// The tarball is `npm pack` of a staging directory holding only what ships; the workspace package
// @jim/protocol is not on any registry, so it travels inside the tarball as a bundled dependency.
import { execFileSync } from 'node:child_process'
import { createHash } from 'node:crypto'
import { cpSync, existsSync, mkdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs'
import { join, resolve } from 'node:path'

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
for (const file of ['README.md', 'config.example.yml', 'LICENSE'])
  if (existsSync(join(root, file))) cpSync(join(root, file), join(stage, file))

const bundled = Object.keys(pkg.dependencies).filter((name) => existsSync(join(root, 'packages', name.split('/').pop(), 'package.json')))
for (const name of bundled) {
  const from = join(root, 'packages', name.split('/').pop())
  const to = join(stage, 'node_modules', name)
  const inner = JSON.parse(readFileSync(join(from, 'package.json'), 'utf8'))
  delete inner.private
  delete inner.scripts
  delete inner.devDependencies
  // npm treats the dependencies of a bundled package as part of the bundle and then skips them at
  // the top level (the installed jim lacked typebox): the root's dependencies provide them instead
  for (const dep of Object.keys(inner.dependencies ?? {}))
    if (!pkg.dependencies[dep]) throw new Error(`${name} depends on ${dep}, which jim does not: add it to jim's dependencies`)
  delete inner.dependencies
  mkdirSync(to, { recursive: true })
  cpSync(join(from, 'dist'), join(to, 'dist'), { recursive: true })
  writeFileSync(join(to, 'package.json'), JSON.stringify(inner, null, 2) + '\n')
}

const files = ['dist', 'README.md', 'config.example.yml', ...(existsSync(join(root, 'LICENSE')) ? ['LICENSE'] : [])]
const shipped = {
  name: pkg.name,
  version: pkg.version,
  description: pkg.description,
  type: pkg.type,
  license: pkg.license,
  engines: pkg.engines,
  bin: pkg.bin,
  files,
  dependencies: pkg.dependencies,
  bundleDependencies: bundled,
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
