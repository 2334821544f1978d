import nock from 'nock'

// Unit tests never reach the network; e2e tests talk to the emulator on loopback only.
nock.disableNetConnect()
nock.enableNetConnect('127.0.0.1')
process.env.COLUMNS = '200'
process.env.DISABLE_TELEMETRY = 'true'
process.env.HEROKU_API_KEY ??= 'unit-test-token-0000'
