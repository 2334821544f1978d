import {APIClient} from '@heroku-cli/command'
import {expect} from 'chai'
import nock from 'nock'

import {apiOf} from '../../../../src/lib/heroku/api.js'
import {HerokuClient} from '../../../../src/lib/heroku/client.js'
import {dataLeaderName, dataPlanName, dataTableCount, generationName} from '../../../../src/lib/heroku/types.js'
import {credentialsOf} from '../../../../src/lib/snapshot/config-credentials.js'
import {parseCredential} from '../../../../src/lib/snapshot/credentials.js'
import {credentialsMatch} from '../../../../src/lib/snapshot/identity.js'
import {loadApps} from '../../../../src/lib/snapshot/load.js'
import type {AppSnapshot} from '../../../../src/lib/snapshot/types.js'
import {mockSmallLoad, type Scopes, scopes} from '../../../fixtures/audit.js'
import {addonRef, attachmentRef, productionSnapshot} from '../../../fixtures/snapshots.js'
import {loadConfig} from '../../../helpers/run.js'

/** Heroku's real response shapes (heroku/cli's fixtures and src/lib/pg/types), read by the plugin. */
describe('Heroku real shapes, as the plugin reads them', function () {
  describe('Data API and app fields in either shape', function () {
    it('generation: the string or the {id, name} object', function () {
      expect(generationName('fir')).to.equal('fir')
      expect(generationName({id: 'x', name: 'cedar'})).to.equal('cedar')
      expect(generationName(null)).to.equal(undefined)
    })

    it('leader: {addon_id, name} or a name; plan: {id, name} or a string', function () {
      expect(dataLeaderName({leader: {addon_id: '5ba2', name: 'postgresql-leader'}})).to.equal('postgresql-leader')
      expect(dataLeaderName({leader: 'postgresql-old'})).to.equal('postgresql-old')
      expect(dataLeaderName({leader: null})).to.equal(undefined)
      expect(dataPlanName({plan: {id: 7, name: 'heroku-postgresql:standard-0'}})).to.equal('heroku-postgresql:standard-0')
      expect(dataPlanName({plan: 'heroku-postgresql:essential-0'})).to.equal('heroku-postgresql:essential-0')
    })

    it('tables: num_tables, else the Tables row in any of its spellings', function () {
      expect(dataTableCount({num_tables: 4})).to.equal(4)
      expect(dataTableCount({info: [{name: 'Tables', values: ['3/4000']}]})).to.equal(3)
      expect(dataTableCount({info: [{name: 'Tables', values: ['10 / 4000 (In compliance)']}]})).to.equal(10)
      expect(dataTableCount({info: [{name: 'PG Version', values: ['16.4']}]})).to.equal(undefined)
    })
  })

  describe('loading', function () {
    let s: Scopes
    let client: HerokuClient

    beforeEach(async function () {
      s = scopes()
      client = new HerokuClient(new APIClient(await loadConfig()), {baseDelayMs: 1})
    })

    afterEach(function () {
      s.api.done()
      s.data.done()
      nock.cleanAll()
    })

    it('reads an Essential database (no num_tables, plan a string) and a Standard follower (leader an object, following without credentials)', async function () {
      const production = productionSnapshot()
      const owner = {id: production.app.id, name: production.app.name}
      const essential = addonRef({id: 'e0000000-0000-4000-8000-0000000ess01', name: 'postgresql-essential-1', owner, plan: 'heroku-postgresql:essential-0'})
      const follower = addonRef({id: 'f0000000-0000-4000-8000-0000000fol01', name: 'postgresql-follower-1', owner, plan: 'heroku-postgresql:standard-0'})
      const snapshot: AppSnapshot = {
        ...production,
        attachments: [...production.attachments, attachmentRef('HEROKU_POSTGRESQL_ONYX', essential), attachmentRef('HEROKU_POSTGRESQL_GRAY', follower)],
        databases: {
          ...production.databases,
          [essential.id]: {addonId: essential.id, addonName: essential.name, following: null, majorVersion: '16', numTables: 3, plan: essential.plan},
          [follower.id]: {addonId: follower.id, addonName: follower.name, following: 'postgresql-prod-11111', followingUrl: 'postgres://ec2-52-1-2-3.compute-1.amazonaws.com:5432/dprod', majorVersion: '16', numTables: 12, plan: follower.plan},
        },
      }
      mockSmallLoad(s, snapshot)
      const loaded = (await loadApps(client, [snapshot.app.name], {databases: true, formation: true, hosts: false})).of(snapshot.app.name)
      expect(loaded.databases[essential.id]).to.include({numTables: 3, plan: 'heroku-postgresql:essential-0', following: null})
      expect(loaded.databases[follower.id]).to.include({following: 'postgresql-prod-11111', numTables: 12, plan: 'heroku-postgresql:standard-0'})
      expect(JSON.stringify(loaded)).to.not.contain('[object Object]')
    })

    it("keeps an official buildpack's urn printable (not masked as a secret)", async function () {
      s.api.get('/apps/acme/buildpack-installations').reply(200, [
        {buildpack: {name: 'heroku/ruby', url: 'urn:buildpack:heroku/ruby'}, ordinal: 1},
        {buildpack: {name: 'private', url: 'https://u:s3cretpw99@buildpacks.example.com/private.tgz'}, ordinal: 2},
      ])
      await apiOf(client).buildpacks('acme')
      expect(client.secrets.redact('buildpacks: urn:buildpack:heroku/ruby')).to.equal('buildpacks: urn:buildpack:heroku/ruby')
      expect(client.secrets.redact('https://u:s3cretpw99@buildpacks.example.com/private.tgz')).to.not.contain('s3cretpw99')
    })
  })

  describe('one parser: identity with tenants', function () {
    it('two SearchBox accounts on its one host are two tenants; the same key is one', function () {
      const a = parseCredential('https://paas:aaaa1111bbbb2222@oin-us-east-1.searchly.com')!
      const b = parseCredential('https://paas:cccc3333dddd4444@oin-us-east-1.searchly.com')!
      expect(credentialsMatch(a, b)).to.equal(false)
      expect(credentialsMatch(a, parseCredential('https://paas:aaaa1111bbbb2222@oin-us-east-1.searchly.com:443')!)).to.equal(true)
    })

    it('a Bonsai cluster (its own host) is the same data whoever logs in', function () {
      const a = parseCredential('https://u1:p1@acme-1234.us-east-1.bonsaisearch.net')!
      const b = parseCredential('https://u2:p2@acme-1234.us-east-1.bonsaisearch.net')!
      expect(credentialsMatch(a, b)).to.equal(true)
    })

    it('Kafka: several broker URLs, one endpoint each; the prefix beside KAFKA_URL is the tenant', function () {
      const brokers = 'kafka+ssl://ec2-1.compute-1.amazonaws.com:9096,kafka+ssl://ec2-2.compute-1.amazonaws.com:9096'
      const [basicA] = credentialsOf({KAFKA_PREFIX: 'wisconsin-1.', KAFKA_URL: brokers})
      const [basicB] = credentialsOf({KAFKA_PREFIX: 'columbia-2.', KAFKA_URL: brokers})
      const [same] = credentialsOf({KAFKA_PREFIX: 'wisconsin-1.', KAFKA_URL: brokers.split(',').reverse().join(',')})
      expect(basicA?.endpoints.map(e => `${e.host}:${e.port}`)).to.deep.equal(['ec2-1.compute-1.amazonaws.com:9096', 'ec2-2.compute-1.amazonaws.com:9096'])
      expect(credentialsMatch(basicA!, basicB!)).to.equal(false)
      expect(credentialsMatch(basicA!, same!)).to.equal(true)
    })

    it('a redis password with raw / and @ is read whole, the host after it', function () {
      const credential = parseCredential('redis://h:p4ss/w0@rd/x@ec2-34-9-9-9.compute-1.amazonaws.com:6379')!
      expect(credential.password).to.equal('p4ss/w0@rd/x')
      expect(credential.endpoints).to.deep.equal([{family: 'redis', host: 'ec2-34-9-9-9.compute-1.amazonaws.com', path: '0', port: 6379}])
    })

    it('mongodb+srv has no port', function () {
      expect(parseCredential('mongodb+srv://u:p@cluster0.abc.mongodb.net/db')?.endpoints[0]?.port).to.equal(undefined)
    })
  })
})
