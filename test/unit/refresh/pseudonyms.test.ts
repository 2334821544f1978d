import {expect} from 'chai'
import fc from 'fast-check'
import {createHash, createHmac} from 'node:crypto'
import {mkdtempSync, statSync, writeFileSync} from 'node:fs'
import {tmpdir} from 'node:os'
import path from 'node:path'

import {KEY_ENV, KEY_FILE, loadPseudonymKey} from '../../../src/lib/refresh/key.js'
import {compileRules, KEY_SETTINGS, parseRules, type SchemaColumn, unhandledPii} from '../../../src/lib/refresh/rules.js'
import {hmacPads} from '../../../src/lib/refresh/sanitize.js'

const column = (table: string, name: string, dataType = 'text'): SchemaColumn => ({column: name, dataType, schema: 'public', table})

describe('refresh: keyed pseudonyms and strict rules', function () {
  describe('the keyed hash', function () {
    it('is HMAC-SHA-256: sha256(K⊕opad ‖ sha256(K⊕ipad ‖ m)) from the padded keys the transaction holds (property)', function () {
      fc.assert(fc.property(fc.uint8Array({maxLength: 100, minLength: 1}), fc.string(), (keyBytes, message) => {
        const key = Buffer.from(keyBytes)
        const {inner, outer} = hmacPads(key)
        const innerHash = createHash('sha256').update(Buffer.concat([Buffer.from(inner, 'hex'), Buffer.from(message, 'utf8')])).digest()
        const ours = createHash('sha256').update(Buffer.concat([Buffer.from(outer, 'hex'), innerHash])).digest('hex')
        expect(ours).to.equal(createHmac('sha256', key).update(message, 'utf8').digest('hex'))
      }))
    })

    it('keeps md5 and the key out of the SQL: every pseudonym reads the transaction\'s settings', function () {
      const sql = compileRules(parseRules('r.yml', 'tables:\n  users:\n    email: fake_email\n    name: fake_name\n    phone: fake_phone\n    token: hash\n    age: {random_int: [18, 90]}\n'))
      expect(sql).not.to.match(/md5/i)
      expect(sql).to.contain(`current_setting('${KEY_SETTINGS.inner}')`).and.contain(`current_setting('${KEY_SETTINGS.outer}')`)
      expect(sql.match(/sha256\(/g)?.length).to.be.at.least(10)
    })

    it('refuses a key, or anything but tables: and strict:, in the rules file', function () {
      expect(() => parseRules('r.yml', 'key: abc\ntables:\n  users:\n    email: fake_email\n')).to.throw(/unknown top-level key key .*never in this file/)
      expect(() => parseRules('r.yml', 'strict: yes please\ntables: {}\n')).to.throw(/strict: expected true or false/)
      expect(parseRules('r.yml', 'strict: true\ntables:\n  users: truncate\n').strict).to.equal(true)
    })
  })

  describe('strict: true', function () {
    const schema = [column('users', 'id', 'int4'), column('users', 'email'), column('users', 'plan'), column('events', 'payload'), column('audit', 'who')]

    it('fails every column without a rule, PII or not, naming new ones (fires)', function () {
      const rules = parseRules('r.yml', 'strict: true\ntables:\n  users:\n    id: keep\n    email: fake_email\n  audit: truncate\n')
      expect(unhandledPii(schema, rules, []).map(c => `${c.table}.${c.column}: ${c.reason}`)).to.deep.equal(['users.plan: no rule (strict)', 'events.payload: no rule (strict)'])
      expect(unhandledPii(schema, rules, ['events.payload', 'users.plan'])).to.deep.equal([])
    })

    it('stays silent when every column has a rule or keep, and without strict only looks at likely PII', function () {
      const complete = parseRules('r.yml', 'strict: true\ntables:\n  users:\n    id: keep\n    email: fake_email\n    plan: keep\n  events:\n    payload: null\n  audit: truncate\n')
      expect(unhandledPii(schema, complete, [])).to.deep.equal([])
      const lax = parseRules('r.yml', 'tables:\n  users:\n    email: fake_email\n')
      expect(unhandledPii(schema, lax, [])).to.deep.equal([])
    })
  })

  describe('the key', function () {
    it('is generated once into the config directory, owner-readable only, and the same on every later load', async function () {
      const dir = mkdtempSync(path.join(tmpdir(), 'pseudonym-key-'))
      const first = await loadPseudonymKey(dir, {})
      expect(first.source).to.equal('created')
      expect(statSync(path.join(dir, KEY_FILE)).mode & 0o777).to.equal(0o600)
      const again = await loadPseudonymKey(dir, {})
      expect(again.source).to.equal('file')
      expect(again.key.equals(first.key)).to.equal(true)
    })

    it('comes from the environment first, and a short one is refused', async function () {
      const dir = mkdtempSync(path.join(tmpdir(), 'pseudonym-key-'))
      const fromEnv = await loadPseudonymKey(dir, {[KEY_ENV]: 'a-long-enough-key-for-tests-0123'})
      expect(fromEnv).to.deep.include({source: 'env'})
      expect(fromEnv.key.toString()).to.equal('a-long-enough-key-for-tests-0123')
      await loadPseudonymKey(dir, {[KEY_ENV]: 'short'}).then(() => expect.fail('a short key is refused'), (error: Error) => expect(error.message).to.contain('shorter than 16'))
      writeFileSync(path.join(dir, KEY_FILE), 'tiny\n')
      await loadPseudonymKey(dir, {}).then(() => expect.fail('a short key file is refused'), (error: Error) => expect(error.message).to.contain('shorter than 16'))
    })
  })
})
