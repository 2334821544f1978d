/**
 * `npm run emulator -- --port 5555 [--data-dir DIR] [--provision-delay MS] [--latency MS]`
 * Runs the emulator in the foreground, prints where it listens and the env that points the
 * `heroku` CLI at it. Ctrl-C (or SIGTERM) stops it and its PostgreSQL server.
 */

import {parseArgs} from 'node:util'

import {startEmulator} from './index.js'

const USAGE = `usage: npm run emulator -- [--port N] [--data-dir DIR] [--provision-delay MS] [--latency MS] [--rate-limit N] [--verbose]

  --port N              listen on 127.0.0.1:N (default: a free port)
  --data-dir DIR        keep state and the PostgreSQL cluster in DIR across restarts (default: temporary)
  --provision-delay MS  add-ons stay "provisioning" this long (default 0)
  --latency MS          add this latency to every Heroku request (default 0)
  --rate-limit N        requests each account may make before 429 rate_limit (default unlimited)
  --verbose             log every request to stderr`

function number(value: string | undefined, flag: string): number | undefined {
  if (value === undefined) return undefined
  const parsed = Number(value)
  if (!Number.isInteger(parsed) || parsed < 0) {
    process.stderr.write(`${flag} must be a whole number, got ${value}\n${USAGE}\n`)
    process.exit(2)
  }

  return parsed
}

async function main(): Promise<void> {
  let values
  try {
    ({values} = parseArgs({
      options: {
        'data-dir': {type: 'string'},
        help: {short: 'h', type: 'boolean'},
        latency: {type: 'string'},
        port: {short: 'p', type: 'string'},
        'provision-delay': {type: 'string'},
        'rate-limit': {type: 'string'},
        verbose: {short: 'v', type: 'boolean'},
      },
      strict: true,
    }))
  } catch (error) {
    process.stderr.write(`${(error as Error).message}\n${USAGE}\n`)
    process.exit(2)
  }

  if (values.help) {
    process.stdout.write(`${USAGE}\n`)
    return
  }

  const emulator = await startEmulator({
    dataDir: values['data-dir'],
    latencyMs: number(values.latency, '--latency'),
    port: number(values.port, '--port'),
    provisionDelayMs: number(values['provision-delay'], '--provision-delay'),
    rateLimit: number(values['rate-limit'], '--rate-limit'),
    verbose: values.verbose,
  })

  const lines = [
    `heroku emulator listening on ${emulator.url}${values['data-dir'] ? ` (state in ${values['data-dir']})` : ' (temporary state)'}`,
    '',
    'Point the heroku CLI at it:',
    '',
    ...Object.entries(emulator.env).sort(([a], [b]) => a.localeCompare(b)).map(([key, value]) => `export ${key}=${value}`),
    '',
    `Accounts: ${emulator.accounts.map(a => a.email).join(' (default), ')} (stranger: HEROKU_API_KEY=${emulator.accounts[1]?.token})`,
    `Control routes: ${emulator.url}/__emulator/{status,reset,seed,journal,faults,latency,provision-delay,rate-limit}`,
    'Press Ctrl-C to stop.',
  ]
  process.stdout.write(`${lines.join('\n')}\n`)

  let stopping = false
  const stop = (signal: string): void => {
    if (stopping) return
    stopping = true
    process.stdout.write(`\n${signal}: stopping the emulator and its PostgreSQL server...\n`)
    emulator.stop().then(() => {
      process.stdout.write('stopped\n')
      process.exit(0)
    }, error => {
      process.stderr.write(`stop failed: ${(error as Error).message}\n`)
      process.exit(1)
    })
  }

  process.on('SIGINT', () => stop('SIGINT'))
  process.on('SIGTERM', () => stop('SIGTERM'))
  process.on('SIGHUP', () => stop('SIGHUP'))
}

main().catch(error => {
  process.stderr.write(`emulator failed to start: ${(error as Error).message}\n`)
  process.exit(1)
})
