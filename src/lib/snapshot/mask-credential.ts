import {maskHost, maskPath} from '../secrets/index.js'
import type {Credential, Endpoint, ParsedCredential} from './credentials.js'

/** Showing a credential without its secrets, in its own form. Pure. */

function maskUser(user: string | undefined): string {
  return user ? `${user.slice(0, 1)}***` : ''
}

/** `host:port`, `[::1]:5432`, or the host alone where the port is not written (an SRV name: `mongodb+srv`). */
function hostText(e: Endpoint): string {
  return `${e.host.includes(':') ? `[${e.host}]` : maskHost(e.host)}${e.port === undefined ? '' : `:${e.port}`}`
}

/**
 * The path as evidence, masked by the one URL masker (`secrets/mask.ts`): a webhook's tokens and
 * generated-looking segments of an http(s) URL never show; a database name does.
 */
function pathText(scheme: string, host: string | undefined, path: string): string {
  const masked = maskPath(`${scheme}://`, `/${path}`, host ?? '')
  return masked.slice(1)
}

function hostsText(credential: ParsedCredential): string {
  return credential.endpoints.map(e => hostText(e)).join(',')
}

/**
 * A credential as evidence: hosts, ports and database, the user's first letter, never a password.
 * `postgres://u***:****@host:5432/db`, `jdbc:postgresql://u***:****@host:5432/db`, `host=… dbname=… user=u*** password=****`.
 */
export function maskCredential(credential: Credential | ParsedCredential): string {
  const [first] = credential.endpoints
  const path = credential.form === 'dsn' || credential.form === 'split' ? first?.path ?? '' : pathText(credential.scheme, first?.host, first?.path ?? '')
  const secret = credential.password === undefined ? '' : ':****'
  const auth = credential.user || credential.password ? `${maskUser(credential.user)}${secret}@` : ''
  switch (credential.form) {
    case 'dsn': {
      const hosts = credential.endpoints.map(e => e.host).join(',')
      const ports = credential.endpoints.map(e => e.port ?? '').join(',')
      return `host=${hosts} port=${ports} dbname=${path}${credential.user ? ` user=${maskUser(credential.user)}` : ''}${credential.password ? ' password=****' : ''}`
    }

    case 'split': {
      const vars = 'vars' in credential ? credential.vars.join('+') : 'split variables'
      return `${vars}: ${credential.family}://${auth}${hostsText(credential)}/${path}`
    }

    default: {
      // Several URLs (Kafka's brokers) are shown as several URLs, each one as it can be pasted.
      if (credential.urlList) return credential.endpoints.map(e => `${credential.scheme}://${auth}${hostText(e)}${path ? `/${path}` : ''}`).join(',')
      return `${credential.form === 'json' ? 'JSON with ' : ''}${credential.scheme}://${auth}${hostsText(credential)}/${path}`
    }
  }
}

