/**
 * `npm run bench [-- --scenario direct-chat|group-receipts|all] [--pairs 50] [--seconds 10] [--rate 1000]`
 *
 * Builds the server, starts it as its own process on the embedded default (SQLite, memory
 * broker; rate limits and captcha off), runs the scenarios from this process and prints JSON
 * results (also written to bench/out/). Record notable runs in bench/RESULTS.md with the
 * machine, commit and command.
 */
import { execSync } from 'node:child_process'
import { mkdirSync, writeFileSync } from 'node:fs'
import os from 'node:os'
import { parseArgs } from 'node:util'
import { startServer } from './lib/server.js'
import { directChat } from './scenarios/direct-chat.js'
import { groupReceipts } from './scenarios/group-receipts.js'

const { values } = parseArgs({
  options: {
    scenario: { type: 'string', default: 'all' },
    pairs: { type: 'string', default: '50' },
    seconds: { type: 'string', default: '10' },
    rate: { type: 'string', default: '1000' },
    members: { type: 'string', default: '500' },
    port: { type: 'string', default: '18790' },
    'skip-build': { type: 'boolean', default: false },
  },
})

async function main() {
  if (!values['skip-build']) execSync('npm run build:server --silent', { stdio: 'inherit' })
  const commit = execSync('git rev-parse --short HEAD').toString().trim()
  const machine = `${os.cpus().length} x ${os.cpus()[0]?.model ?? 'cpu'}, ${Math.round(os.totalmem() / 2 ** 30)} GiB, node ${process.version}`
  const results: unknown[] = []
  const port = Number(values.port)
  const wanted = values.scenario
  if (wanted === 'all' || wanted === 'direct-chat') {
    const server = await startServer(port)
    try {
      results.push(await directChat({ url: server.url, wsUrl: server.wsUrl, pairs: Number(values.pairs), seconds: Number(values.seconds), rate: Number(values.rate), label: 'embedded (sqlite + memory broker)' }))
    } finally {
      await server.stop()
    }
  }
  if (wanted === 'all' || wanted === 'group-receipts') {
    const server = await startServer(port + 1, { JIM_GROUPS_MAX_MEMBERS: String(Math.max(500, Number(values.members))) })
    try {
      results.push(await groupReceipts({ url: server.url, wsUrl: server.wsUrl, members: Number(values.members), seconds: Number(values.seconds), senders: 5 }))
    } finally {
      await server.stop()
    }
  }
  const report = { date: new Date().toISOString(), commit, machine, command: `npm run bench -- ${process.argv.slice(2).join(' ')}`.trim(), results }
  mkdirSync('bench/out', { recursive: true })
  writeFileSync(`bench/out/bench-${Date.now()}.json`, JSON.stringify(report, null, 2))
  console.log(JSON.stringify(report, null, 2))
}

main().catch((err) => {
  console.error(err)
  process.exitCode = 1
})
