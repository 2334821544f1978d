/**
 * Latency of simple emulator requests, with no injected latency.
 *
 *   npx tsx bench/emulator-latency.ts [--requests 2000]
 *
 * Starts the emulator in-process, seeds one app with a database, then sends sequential requests
 * over one keep-alive connection (as the CLI's client does) and reports the median, p95 and p99
 * of the client-observed round trip, plus the server's own handling time from the journal.
 * Goal: median under 5 ms for a simple request.
 */
import http from 'node:http'
import os from 'node:os'

import {startEmulator} from '../emulator/index.js'

function arg(name: string, fallback: number): number {
  const index = process.argv.indexOf(`--${name}`)
  const value = index === -1 ? undefined : Number(process.argv[index + 1])
  return value && value > 0 ? value : fallback
}

const REQUESTS = arg('requests', 2000)

function percentile(values: number[], p: number): number {
  const sorted = [...values].sort((a, b) => a - b)
  return sorted[Math.min(sorted.length - 1, Math.floor((p / 100) * sorted.length))]!
}

async function main(): Promise<void> {
  const cpus = os.cpus()
  console.log(`emulator latency benchmark, ${new Date().toISOString()}`)
  console.log(`machine: ${cpus[0]?.model ?? 'unknown cpu'}, ${cpus.length} cores, ${Math.round(os.totalmem() / 1024 ** 3)} GB RAM, ${os.type()} ${os.release()}, node ${process.version}`)

  const emu = await startEmulator({})
  try {
    await emu.seed({
      addons: [{app: 'bench-app', name: 'bench-db', plan: 'heroku-postgresql:essential-0'}, {app: 'bench-app', name: 'bench-redis', plan: 'heroku-redis:mini'}],
      apps: [{config: {A: '1', B: '2'}, name: 'bench-app'}],
    })
    const agent = new http.Agent({keepAlive: true, maxSockets: 1})
    const headers = {accept: 'application/vnd.heroku+json; version=3', authorization: `Bearer ${emu.accounts[0]!.token}`}
    const request = async (method: string, path: string, body?: unknown): Promise<void> => new Promise((resolve, reject) => {
      const payload = body === undefined ? undefined : JSON.stringify(body)
      const req = http.request(`${emu.url}${path}`, {agent, headers: payload ? {...headers, 'content-type': 'application/json'} : headers, method}, res => {
        res.resume()
        res.on('end', () => (res.statusCode && res.statusCode < 300 ? resolve() : reject(new Error(`${method} ${path}: ${res.statusCode}`))))
      })
      req.on('error', reject)
      req.end(payload)
    })

    const cases: Array<{body?: unknown; label: string; method: string; path: string}> = [
      {label: 'GET /apps/:app (simple request)', method: 'GET', path: '/apps/bench-app'},
      {label: 'GET /apps/:app/config-vars', method: 'GET', path: '/apps/bench-app/config-vars'},
      {label: 'GET /apps/:app/addon-attachments', method: 'GET', path: '/apps/bench-app/addon-attachments'},
      {body: {addon_attachment: 'DATABASE_URL', app: 'bench-app'}, label: 'POST /actions/addon-attachments/resolve', method: 'POST', path: '/actions/addon-attachments/resolve'},
    ]

    console.log(`${REQUESTS} sequential requests per case over one keep-alive connection, after 200 warm-up requests`)
    console.log('')
    console.log('| request                                   | median ms | p95 ms | p99 ms | server median ms |')
    console.log('|-------------------------------------------|----------:|-------:|-------:|-----------------:|')
    let simpleMedian = Number.NaN
    for (const spec of cases) {
      // eslint-disable-next-line no-await-in-loop -- warm-up must finish before timing
      for (let i = 0; i < 200; i++) await request(spec.method, spec.path, spec.body)
      emu.clearJournal()
      const times: number[] = []
      for (let i = 0; i < REQUESTS; i++) {
        const start = performance.now()
        // eslint-disable-next-line no-await-in-loop -- latency is measured one request at a time
        await request(spec.method, spec.path, spec.body)
        times.push(performance.now() - start)
      }

      const server = emu.journal().map(e => e.durationMs)
      const median = percentile(times, 50)
      if (Number.isNaN(simpleMedian)) simpleMedian = median
      console.log(`| ${spec.label.padEnd(41)} | ${median.toFixed(2).padStart(9)} | ${percentile(times, 95).toFixed(2).padStart(6)} | ${percentile(times, 99).toFixed(2).padStart(6)} | ${percentile(server, 50).toFixed(3).padStart(16)} |`)
    }

    agent.destroy()
    console.log('')
    console.log(`simple request median: ${simpleMedian.toFixed(2)} ms (goal: under 5 ms) → ${simpleMedian < 5 ? 'met' : 'NOT met'}`)
    if (simpleMedian >= 5) process.exitCode = 1
  } finally {
    await emu.stop()
  }
}

await main()
