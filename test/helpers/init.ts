import createDebug from 'debug'
import nock from 'nock'

import {garbledRuns} from './heroku-cli.js'

// Unit tests never reach the network; e2e tests talk to the emulator on loopback only.
nock.disableNetConnect()
nock.enableNetConnect('127.0.0.1')
process.env.COLUMNS = '200'
process.env.DISABLE_TELEMETRY = 'true'
process.env.HEROKU_API_KEY ??= 'unit-test-token-0000'

// @heroku-cli/command's APIClient turns the `http` debug namespace on for the whole process when a command
// runs under HEROKU_DEBUG (debug.enable), and never off: a later test in the same mocha worker would print
// every request. Each test ends with the namespaces the run started with.
const debugAtStart = process.env.DEBUG ?? ''
export const mochaHooks = {
  afterEach(): void {
    createDebug.enable(debugAtStart)
    const garbled = garbledRuns.splice(0)
    if (garbled.length > 0) throw new Error(`printed [object Object]: ${garbled.join('; ')}`)
  },
}
