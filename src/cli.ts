#!/usr/bin/env node
import { ConfigError, loadConfig } from './config/load-config.js'
import { printableConfig } from './config/printable-config.js'
import { main } from './main.js'
import { parseArgs, type CommandFlags } from './cli-args.js'
import { runAdminCreate, runMigrate } from './cli-commands.js'
import { runBackup, runRestore } from './ops/backup-commands.js'
import { COPY_DATA_FLAGS, runCopyData } from './ops/copy-data-command.js'
import { runDoctor } from './ops/doctor.js'
import { oneLine } from './shared/operator-text.js'

const USAGE = `Usage: jim <command> [--flag value ...]

Commands:
  serve                   start the server (default)
  migrate [--plan]        apply database migrations and exit (--plan: print what would run, change nothing)
  admin create <username> give an existing user the admin role
  backup <file>           copy the SQLite database to <file> while JIM runs (consistent online copy)
  restore <file>          put a backup in place of the SQLite database (the server must be stopped)
  copy-data --to <url> [--from <url>] [--force] [--with-sessions] [--files-from <dir>] [--batch-size <n>]
                          copy every table to another database (sqlite:<path>, mysql://…, postgres://…);
                          resumable; --files-from moves a local files dir into the target's sql file store
  doctor                  check database, clock, Redis, secret, files store and public URL; say what to fix
  config                  print the effective configuration (secrets hidden)
  version                 print the version

Every config key has a flag, e.g. --port 9000 --storage-driver postgres; see README.`

/** Each command's own flags (everything else is a config flag). */
const COMMAND_FLAGS: Record<string, CommandFlags> = {
  migrate: { switches: ['--plan'] },
  'copy-data': COPY_DATA_FLAGS,
}

async function run(argv: string[]): Promise<number> {
  const [command = 'serve', ...rest] = argv
  if (command === '--help' || command === 'help' || command === '-h') {
    console.log(USAGE)
    return 0
  }
  if (command === 'version' || command === '--version') {
    const { jimVersion } = await import('./ops/jim-version.js')
    console.log(jimVersion())
    return 0
  }
  const { positional, own, configFlags } = parseArgs(rest, COMMAND_FLAGS[command])
  const config = loadConfig({ env: process.env, argv: configFlags })
  switch (command) {
    case 'serve':
      await main(config)
      return -1
    case 'migrate':
      return runMigrate(config, { plan: own.has('--plan') })
    case 'admin':
      if (positional[0] !== 'create' || !positional[1]) break
      return runAdminCreate(config, positional[1])
    case 'backup':
      if (!positional[0]) break
      return runBackup(config, positional[0])
    case 'restore':
      if (!positional[0]) break
      return runRestore(config, positional[0])
    case 'copy-data':
      return runCopyData(config, own)
    case 'doctor':
      return runDoctor(config)
    case 'config':
      console.log(JSON.stringify(printableConfig(config), null, 2))
      return 0
  }
  console.error(USAGE)
  return 2
}

run(process.argv.slice(2)).then(
  (code) => {
    if (code >= 0) process.exitCode = code
  },
  (err) => {
    console.error(err instanceof ConfigError ? `jim: configuration error: ${oneLine(err)}` : `jim: ${oneLine(err)}`)
    // exit now: a half-started server may still hold sockets or timers that would keep the process alive
    process.exit(1)
  },
)
