import {expect} from 'chai'

import {compileRules, parseRules, piiColumns, type SchemaColumn, suggestedRules, unhandledPii} from '../../../src/lib/refresh/rules.js'

const column = (table: string, name: string, dataType = 'text', schema = 'public'): SchemaColumn => ({column: name, dataType, schema, table})

describe('refresh: declarative sanitising rules (src/lib/refresh/rules.ts)', function () {
  describe('parseRules', function () {
    it('reads every rule from YAML, and the same from JSON', function () {
      const yaml = `
tables:
  users:
    email: fake_email
    name: fake_name
    phone: fake_phone
    notes: null
    country: {constant: US}
    password_digest: hash
    age: {random_int: [18, 90]}
    born_on: {random_date: ['1950-01-01', '2005-12-31']}
    id: keep
  audit_events: truncate
`
      const rules = parseRules('rules.yml', yaml)
      expect(rules.tables.audit_events).to.deep.equal({kind: 'truncate'})
      expect(rules.tables.users).to.deep.equal({columns: {
        age: {kind: 'random_int', max: 90, min: 18},
        born_on: {kind: 'random_date', max: '2005-12-31', min: '1950-01-01'},
        country: {kind: 'constant', value: 'US'},
        email: {kind: 'fake_email'},
        id: {kind: 'keep'},
        name: {kind: 'fake_name'},
        notes: {kind: 'null'},
        password_digest: {kind: 'hash'},
        phone: {kind: 'fake_phone'},
      }, kind: 'columns'})
      expect(parseRules('rules.json', JSON.stringify({tables: {users: {email: 'fake_email'}}})).tables.users).to.deep.equal({columns: {email: {kind: 'fake_email'}}, kind: 'columns'})
    })

    const bad: Array<[string, RegExp]> = [
      ['tables: [1]', /top-level "tables:" mapping/],
      ['tables:\n  users:\n    email: scramble', /users\.email: unknown rule "scramble"/],
      ['tables:\n  users:\n    age: {random_int: [9, 1]}', /random_int takes \[MIN, MAX\]/],
      ['tables:\n  users:\n    born: {random_date: [yesterday, today]}', /random_date takes/],
      ['tables:\n  users: wipe', /expected "truncate" or a mapping/],
      ['tables: {users: {email: [', /not valid YAML or JSON/],
    ]
    for (const [text, message] of bad) {
      it(`refuses ${JSON.stringify(text).slice(0, 40)}, naming the table and column`, function () {
        expect(() => parseRules('rules.yml', text)).to.throw(message)
      })
    }
  })

  describe('compileRules', function () {
    it('truncates in one statement and updates each table once, leaving keep alone', function () {
      const sql = compileRules(parseRules('r.yml', 'tables:\n  events: truncate\n  logs: truncate\n  users:\n    id: keep\n    email: fake_email\n    "we\'ird": null\n'))
      expect(sql).to.contain('TRUNCATE "events", "logs";')
      expect(sql).to.match(/UPDATE "users" SET\n {2}"email" = CASE WHEN "email" IS NULL THEN NULL ELSE 'user-' \|\| substr\(encode\(sha256\(.*'email' \|\| "email"::text.*\), 1, 32\) \|\| '@example.invalid' END,\n {2}"we'ird" = NULL;/)
      expect(sql).to.not.contain('"id" =')
    })

    it('never needs superuser: no session_replication_role, no disabled triggers, no transaction control', function () {
      const sql = compileRules(parseRules('r.yml', 'tables:\n  a: truncate\n  b:\n    x: hash\n    y: {random_date: [\'2000-01-01\', \'2000-12-31\']}\n    z: {constant: "it\'s"}\n'))
      expect(sql).to.not.match(/session_replication_role|DISABLE TRIGGER|BEGIN|COMMIT/i)
      expect(sql).to.contain('\'it\'\'s\'')
    })

    it('qualifies schema.table', function () {
      expect(compileRules(parseRules('r.yml', 'tables:\n  billing.cards: truncate\n'))).to.contain('TRUNCATE "billing"."cards";')
    })
  })

  describe('the PII guard', function () {
    const schema = [
      column('users', 'id', 'int4'), column('users', 'email'), column('users', 'first_name'), column('users', 'phone_number'),
      column('users', 'date_of_birth', 'date'), column('users', 'encrypted_password'), column('users', 'last_sign_in_ip', 'inet'),
      column('users', 'created_at', 'timestamptz'), column('products', 'title'), column('products', 'sku'),
      column('sessions', 'remote', 'inet'), column('cards', 'card_number', 'text', 'billing'),
    ]

    it('finds likely-PII columns by name and by type, and leaves the rest alone', function () {
      expect(piiColumns(schema).map(c => `${c.table}.${c.column}:${c.reason}`)).to.deep.equal([
        'users.email:email', 'users.first_name:name', 'users.phone_number:phone', 'users.date_of_birth:birth',
        'users.encrypted_password:password', 'users.last_sign_in_ip:ip address', 'sessions.remote:inet type', 'billing.cards.card_number:payment',
      ])
      expect(piiColumns([column('products', 'title'), column('users', 'created_at', 'timestamptz'), column('orders', 'status')])).to.deep.equal([])
    })

    it('fires for every PII column without a rule, and stays silent once rules, truncate or --allow-pii cover them', function () {
      expect(unhandledPii(schema, undefined, [])).to.have.length(8)
      const rules = parseRules('r.yml', 'tables:\n  users:\n    email: fake_email\n    first_name: fake_name\n    phone_number: fake_phone\n    date_of_birth: keep\n    encrypted_password: hash\n    last_sign_in_ip: null\n  sessions: truncate\n')
      expect(unhandledPii(schema, rules, []).map(c => `${c.table}.${c.column}`)).to.deep.equal(['billing.cards.card_number'])
      expect(unhandledPii(schema, rules, ['billing.cards.card_number'])).to.deep.equal([])
    })

    it('suggests the rule lines to add', function () {
      const text = suggestedRules(unhandledPii([column('users', 'email'), column('users', 'dob', 'date')], undefined, []))
      expect(text).to.equal('  users:\n    email: fake_email   # email\n    dob: {random_date: [\'1950-01-01\', \'2005-12-31\']}   # birth')
    })
  })
})
