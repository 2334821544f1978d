import createDebug from 'debug'

import {redactDebug} from '../snapshot/redact.js'

/**
 * Every debug line (http-call's request and response bodies included) passes through redaction
 * before it reaches stderr. Loaded with the client, so the commands and the prerun hook both have it.
 */
const originalDebugLog = createDebug.log
createDebug.log = (...args: unknown[]) => {
  originalDebugLog.call(createDebug, ...args.map(arg => (typeof arg === 'string' ? redactDebug(arg) : arg)))
}
