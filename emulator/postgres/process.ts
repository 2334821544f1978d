import {type ChildProcess, spawn} from 'node:child_process'
import {createReadStream, createWriteStream} from 'node:fs'
import type {Socket} from 'node:net'
import {Transform, type Readable, type Writable} from 'node:stream'
import {pipeline} from 'node:stream/promises'

import {redactUrls} from './connection.js'

/** The most stderr kept per process: enough for an error message and a transfer log. */
const STDERR_LIMIT = 64 * 1024

/** Keeps the tail of a stream's text, bounded. */
export class TailBuffer {
  private text = ''

  constructor(private readonly limit = STDERR_LIMIT) {}

  push(chunk: Buffer | string): void {
    this.text += chunk.toString()
    if (this.text.length > this.limit) this.text = this.text.slice(this.text.length - this.limit)
  }

  toString(): string {
    return this.text
  }
}

/** A PostgreSQL program that failed; `stderr` is redacted and `logs` holds its lines. */
export class PgToolError extends Error {
  readonly logs: string[]

  constructor(
    message: string,
    readonly tool: string,
    readonly exitCode: number | null,
    readonly stderr: string,
  ) {
    super(message)
    this.name = 'PgToolError'
    this.logs = stderr.split('\n').filter(line => line.trim().length > 0)
  }
}

export interface ToolSpec {
  /** short name used in messages: `pg_dump`, `pg_restore`, `initdb` */
  label: string
  command: string
  args: string[]
  env: NodeJS.ProcessEnv
  uid?: number
  gid?: number
}

interface Exit {
  code: number | null
  signal: NodeJS.Signals | null
  stderr: string
}

function describeExit(exit: Exit): string {
  return exit.signal ? `killed by ${exit.signal}` : `exit code ${exit.code}`
}

function waitExit(child: ChildProcess, stderr: TailBuffer): Promise<Exit> {
  return new Promise((resolve, reject) => {
    child.once('error', reject)
    child.once('close', (code, signal) => resolve({code, signal, stderr: stderr.toString()}))
  })
}

function spawnTool(spec: ToolSpec, stdio: ['ignore' | 'pipe', 'ignore' | 'pipe', 'pipe']): {child: ChildProcess; done: Promise<Exit>} {
  const child = spawn(spec.command, spec.args, {
    cwd: '/',
    env: spec.env,
    stdio,
    ...(spec.uid === undefined ? {} : {gid: spec.gid, uid: spec.uid}),
  })
  const stderr = new TailBuffer()
  child.stderr?.on('data', (chunk: Buffer) => stderr.push(chunk))
  const done = waitExit(child, stderr)
  // The caller awaits `done`; this keeps an early spawn error from being reported as unhandled meanwhile.
  done.catch(() => {})
  return {child, done}
}

function toolError(spec: ToolSpec, exit: Exit, secrets: string[]): PgToolError {
  const stderr = redactUrls(exit.stderr.trim(), secrets)
  const detail = stderr ? `: ${stderr}` : ''
  return new PgToolError(`${spec.label} failed (${describeExit(exit)})${detail}`, spec.label, exit.code, stderr)
}

/** Runs a program to completion; rejects with its (redacted) stderr when it fails. */
export async function runTool(spec: ToolSpec, secrets: string[] = []): Promise<string> {
  const {child, done} = spawnTool(spec, ['ignore', 'pipe', 'pipe'])
  let stdout = ''
  child.stdout?.on('data', (chunk: Buffer) => {
    stdout += chunk.toString()
  })
  let exit: Exit
  try {
    exit = await done
  } catch (error) {
    throw new PgToolError(`${spec.label} could not start: ${(error as Error).message}`, spec.label, null, '')
  }

  if (exit.code !== 0) throw toolError(spec, exit, secrets)
  return stdout
}

/** Counts bytes going through and reports them, at most every `intervalMs` plus once at the end. */
class ByteCounter extends Transform {
  bytes = 0
  private lastReport = 0

  constructor(
    private readonly onBytes: ((bytes: number) => void) | undefined,
    private readonly intervalMs = 100,
  ) {
    super()
  }

  override _flush(callback: () => void): void {
    this.onBytes?.(this.bytes)
    callback()
  }

  override _transform(chunk: Buffer, _encoding: BufferEncoding, callback: (error: Error | null, data: Buffer) => void): void {
    this.bytes += chunk.length
    const now = Date.now()
    if (this.onBytes && now - this.lastReport >= this.intervalMs) {
      this.lastReport = now
      this.onBytes(this.bytes)
    }

    callback(null, chunk)
  }
}

export type StreamEnd = {file: string} | {tool: ToolSpec}

/**
 * Streams bytes from a producer (a program's stdout or a file) into a consumer (a program's stdin or
 * a file), counting them. Resolves with the byte count when both programs succeed; otherwise rejects
 * with a `PgToolError` carrying the failing program's redacted stderr.
 */
export async function streamThrough(
  from: StreamEnd,
  to: StreamEnd,
  onBytes: ((bytes: number) => void) | undefined,
  secrets: string[],
): Promise<number> {
  const producer = 'tool' in from ? spawnTool(from.tool, ['ignore', 'pipe', 'pipe']) : undefined
  const consumer = 'tool' in to ? spawnTool(to.tool, ['pipe', 'ignore', 'pipe']) : undefined
  const source: Readable = producer ? (producer.child.stdout as Readable) : createReadStream((from as {file: string}).file)
  const sink: Writable = consumer ? (consumer.child.stdin as Writable) : createWriteStream((to as {file: string}).file)
  const counter = new ByteCounter(onBytes)

  let pipeError: Error | undefined
  try {
    await pipeline(source, counter, sink)
  } catch (error) {
    pipeError = error as Error
    // A consumer that died early leaves the producer blocked on a full pipe: stop it.
    producer?.child.kill('SIGTERM')
    consumer?.child.kill('SIGTERM')
  }

  const exits = await Promise.allSettled([producer?.done, consumer?.done])
  const failures: PgToolError[] = []
  const specs = ['tool' in from ? from.tool : undefined, 'tool' in to ? to.tool : undefined]
  for (const [index, settled] of exits.entries()) {
    const spec = specs[index]
    if (!spec) continue
    if (settled.status === 'rejected') {
      failures.push(new PgToolError(`${spec.label} could not start: ${(settled.reason as Error).message}`, spec.label, null, ''))
    } else if (settled.value && settled.value.code !== 0) {
      failures.push(toolError(spec, settled.value, secrets))
    }
  }

  if (failures.length > 0) {
    // The consumer usually holds the root cause (a producer killed by the broken pipe only says so).
    const primary = failures.find(f => f.stderr.length > 0 && !/SIGTERM|Broken pipe/i.test(f.message)) ?? failures[0]!
    if (failures.length === 1) throw primary
    const message = failures.map(f => f.message).join('\n')
    throw new PgToolError(message, primary.tool, primary.exitCode, failures.map(f => f.stderr).filter(Boolean).join('\n'))
  }

  if (pipeError) throw new Error(redactUrls(`transfer failed: ${pipeError.message}`, secrets))
  return counter.bytes
}

/**
 * A tiny shell that outlives nothing: it blocks reading a pipe from this process, and when that pipe
 * closes (this process exited, however it died, SIGKILL included) it fast-stops the postmaster and,
 * for a temporary cluster, removes its directory. `stop()` kills it first, so it never fires then.
 */
export function spawnWatchdog(postmasterPid: number, removeDir: string | undefined): ChildProcess {
  const script = [
    'read _ignored',
    'kill -INT "$1" 2>/dev/null',
    'if [ -n "$2" ]; then',
    '  i=0',
    // The postmaster removes its pid file last thing; kill -0 alone would wait on an unreaped zombie.
    '  while [ -e "$2/postmaster.pid" ] && kill -0 "$1" 2>/dev/null && [ "$i" -lt 600 ]; do sleep 0.05; i=$((i+1)); done',
    '  rm -rf -- "$2"',
    'fi',
  ].join('\n')
  const child = spawn('/bin/sh', ['-c', script, 'heroku-staging-pg-watchdog', String(postmasterPid), removeDir ?? ''], {
    cwd: '/',
    detached: true,
    stdio: ['pipe', 'ignore', 'ignore'],
  })
  child.on('error', () => {})
  child.stdin?.on('error', () => {})
  ;(child.stdin as unknown as Socket | null)?.unref()
  child.unref()
  return child
}
