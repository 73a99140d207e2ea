#!/usr/bin/env node
import { ConfigError, loadConfig } from './config/load-config.js'
import { main } from './main.js'
import { runAdminCreate, runMigrate } from './cli-commands.js'

const USAGE = `Usage: jim <command> [--flag value ...]

Commands:
  serve                   start the server (default)
  migrate                 apply database migrations and exit
  admin create <username> give an existing user the admin role
  config                  print the effective configuration (secrets hidden)

Every config key has a flag, e.g. --port 9000 --storage-driver postgres; see README.`

async function run(argv: string[]): Promise<number> {
  const [command = 'serve', ...rest] = argv
  if (command === '--help' || command === 'help' || command === '-h') {
    console.log(USAGE)
    return 0
  }
  const positional = rest.filter((a, i) => !a.startsWith('--') && !(rest[i - 1]?.startsWith('--') && !rest[i - 1]!.includes('=')))
  const flags = rest.filter((a) => !positional.includes(a))
  const config = loadConfig({ env: process.env, argv: flags })
  switch (command) {
    case 'serve':
      await main(config)
      return -1
    case 'migrate':
      return runMigrate(config)
    case 'admin':
      if (positional[0] !== 'create' || !positional[1]) break
      return runAdminCreate(config, positional[1])
    case 'config':
      console.log(
        JSON.stringify(
          {
            ...config,
            secret: config.secret ? '[set]' : '',
            metrics: { token: config.metrics.token ? '[set]' : '' },
            smtp: { ...config.smtp, password: config.smtp.password ? '[set]' : '' },
          },
          null,
          2,
        ),
      )
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
    if (err instanceof ConfigError) console.error(`jim: configuration error: ${err.message}`)
    else console.error('jim:', err instanceof Error ? err.message : err)
    process.exitCode = 1
  },
)
