import {expect} from 'chai'
import fc from 'fast-check'

import {isHostList, maskCredentialsInText, maskUrl, SecretRegistry} from '../../../../src/lib/secrets/index.js'
import {credentialsIn} from '../../../../src/lib/snapshot/credentials-in.js'
import {postgresConnection} from '../../../../src/lib/snapshot/credentials.js'

/**
 * Properties of the one URL splitter and masker (src/lib/secrets/mask.ts) over classes of input:
 * passwords of any characters, in URLs of every host shape the plugin meets, odd ones included.
 */

/** A password character: any code point, with URL delimiters and separators weighted in. */
const passwordChar = fc.oneof(
  {arbitrary: fc.constantFrom('@', ':', '/', '#', '?', '%', ' ', ',', '&', '=', '[', ']', ';', '"', '\n'), weight: 3},
  {arbitrary: fc.string({maxLength: 1, minLength: 1, unit: 'binary'}), weight: 5},
  {arbitrary: fc.constantFrom('a', 'Z', '7', '_', '-', '.'), weight: 2},
)
/** Passwords of 6 to 24 characters; `*` and `hmac` are left out, as they spell the masks themselves. */
const password = fc.string({maxLength: 24, minLength: 6, unit: passwordChar}).filter(p => !/\*|hmac/i.test(p))
const user = fc.stringMatching(/^[a-z][\d._a-z-]{5,11}$/)

/** URL shapes, odd hosts included: IPv6 with a zone, IDN, a `${PORT}` placeholder, spaces after commas, an authority no parser reads. */
const SHAPES: ReadonlyArray<(u: string, p: string) => string> = [
  (u, p) => `postgres://${u}:${p}@db.example.com:5432/d8prod`,
  (u, p) => `postgres://${u}:${p}@[fe80::1%25eth0]:5432/db`,
  (u, p) => `postgres://${u}:${p}@[2001:db8::1]:5432/db`,
  (u, p) => `redis://${u}:${p}@münchen-redis.example.com:6379`,
  (u, p) => `amqp://${u}:${p}@rabbit.example.com:\${PORT}/vhost`,
  (u, p) => `postgres://${u}:${p}@h1.example.com:5432, h2.example.com:5432/db`,
  (u, p) => `https://${u}:${p}@api.example.com/v1/items?page=2`,
  (u, p) => `https://${u}:${p}@host.example.com:8443:99/`,
  (u, p) => `mongodb+srv://${u}:${p}@cluster0.abcd.mongodb.net/db`,
  (u, p) => `kafka+ssl://${u}:${p}@b1.example.com:9096,kafka+ssl://${u}:${p}@b2.example.com:9096`,
  (u, p) => `jdbc:postgresql://${u}:${p}@db.example.com:5432/app`,
  (u, p) => `postgres://${u}:${p}@prodhost:5432/d8prod?application_name=reports@acme`,
  (u, p) => `rediss://${u}:${encodeURIComponent(p)}@redis.example.com:6380/0`,
]

/**
 * Free text ends a URL at whitespace, a quote or a bracket, so a password holding one is cut there and
 * is not the free-text backstop's to read (a registered value is masked whole: the registry's sink).
 */
const cutInText = (p: string): boolean => /[\s"'<>`]/.test(p)

/**
 * Passwords whose own text reads as `…@host?key=value` (or `user:port?key=value`): the URL is then
 * ambiguous by construction (the real `@` stands in a query value of an earlier reading), and the
 * splitter reads it as RFC 3986 does, the `?` ending the authority. Those are left out of the
 * read-whole properties; the masking still hides them (see the fail-safe cases).
 */
function unambiguous(u: string, p: string): boolean {
  if (/@[^#]*\?[^#]*=/.test(p)) return false
  const beforeDelimiter = `${u}:${p}`.split(/[#/?]/)[0] ?? ''
  return !(isHostList(beforeDelimiter) && /\?[^#]*=/.test(p))
}

/** The text around a URL without its userinfo: a password or user found there is no leak. */
function visibleWithout(url: string, u: string, p: string): string {
  return `error: could not connect to ${url} now`.replaceAll(`${u}:${p}`, '').replaceAll(`${u}:${encodeURIComponent(p)}`, '')
}

function outputs(url: string): Record<string, string> {
  const registered = new SecretRegistry()
  registered.register(url)
  const text = `error: could not connect to ${url} now`
  return {
    maskCredentialsInText: maskCredentialsInText(text),
    maskUrl: maskUrl(url),
    redactRegistered: registered.redact(text),
    redactUnregistered: new SecretRegistry().redact(text),
  }
}

describe('secrets: masking properties over every URL shape (src/lib/secrets/mask.ts)', function () {
  it('never prints a password of 6+ characters, nor the user, whatever the host shape (maskUrl, free text, the registry)', function () {
    fc.assert(
      fc.property(user, password, fc.integer({max: SHAPES.length - 1, min: 0}), (u, p, shape) => {
        const url = (SHAPES[shape] as (u: string, p: string) => string)(u, p)
        const visible = visibleWithout(url, u, p)
        fc.pre(!visible.includes(p) && !visible.includes(u) && !visible.includes(encodeURIComponent(p)) && unambiguous(u, p))
        for (const [sink, out] of Object.entries(outputs(url))) {
          if (cutInText(p) && /^(?:maskCredentialsInText|redactUnregistered)$/.test(sink)) continue
          expect(out, `${sink} of ${JSON.stringify(url)}`).to.not.include(p)
          expect(out, `${sink} of ${JSON.stringify(url)}`).to.not.include(encodeURIComponent(p))
          expect(out, `${sink} of ${JSON.stringify(url)}`).to.not.include(u)
        }
      }),
      {numRuns: 600},
    )
  })

  it('never reads a password as a host (identity: snapshot/credentials.ts uses the same splitter)', function () {
    fc.assert(
      fc.property(user, password, fc.integer({max: SHAPES.length - 1, min: 0}), (u, p, shape) => {
        const url = (SHAPES[shape] as (u: string, p: string) => string)(u, p)
        fc.pre(!visibleWithout(url, u, p).toLowerCase().includes(p.toLowerCase()))
        for (const credential of credentialsIn(url)) {
          for (const endpoint of credential.endpoints) expect(endpoint.host, url).to.not.include(p.toLowerCase())
        }
      }),
      {numRuns: 300},
    )
  })

  describe('the userinfo boundary: an @ in the query does not end it, an @ in the password does not either', function () {
    it('reads host prodhost and database d8prod, and masks the password, for any password and a query holding @', function () {
      fc.assert(
        fc.property(user, password, fc.constantFrom('reports@acme', 'a@b', 'x@y.example.com:5432', 'me@acme/x'), (u, p, application) => {
          fc.pre(unambiguous(u, p) && !p.includes('%'))
          const url = `postgres://${u}:${p}@prodhost:5432/d8prod?application_name=${application}`
          const connection = postgresConnection(url)
          expect(connection?.host, url).to.equal('prodhost')
          expect(connection?.database, url).to.equal('d8prod')
          expect(connection?.password, url).to.equal(p)
          const [credential] = credentialsIn(url)
          expect(credential?.endpoints.map(e => `${e.host}:${e.port}/${e.path}`), url).to.deep.equal(['prodhost:5432/d8prod'])
          expect(maskUrl(url), url).to.equal(`postgres://${u[0]}***:****@prodhost:5432/d8prod?…`)
          // Free text ends a URL at whitespace or a quote: such passwords are masked (the first property), not read whole.
          if (!/[\s"]/.test(p)) expect(maskCredentialsInText(url), url).to.equal(`postgres://${u[0]}***:****@prodhost:5432/d8prod?application_name=****`)
        }),
        {numRuns: 400},
      )
    })

    it('reads a password holding raw @ / # ? whole when the URL has no query', function () {
      fc.assert(
        fc.property(user, password, (u, p) => {
          fc.pre(unambiguous(u, p) && !p.includes('%'))
          const url = `postgres://${u}:${p}@prodhost:5432/d8prod`
          expect(postgresConnection(url), url).to.deep.include({database: 'd8prod', host: 'prodhost', password: p, port: 5432})
        }),
        {numRuns: 300},
      )
    })

    const examples: Array<[string, string, string]> = [
      ['postgres://analyst:pw@prodhost:5432/d8prod?application_name=reports@acme', 'prodhost', 'd8prod'],
      ['postgres://analyst:p@ss/w#rd?x@prodhost:5432/d8prod?application_name=reports@acme', 'prodhost', 'd8prod'],
      ['postgres://prodhost:5432/d8prod?application_name=reports@acme', 'prodhost', 'd8prod'],
      ['postgres://analyst:pw@prodhost:5432/d8prod?options=-c%20x&application_name=a@b', 'prodhost', 'd8prod'],
    ]
    for (const [url, host, database] of examples) {
      it(`reads ${url}`, function () {
        expect(postgresConnection(url)).to.deep.include({database, host})
      })
    }

    it('still ends the userinfo at a later @ that is no query value (the password holds @host?x)', function () {
      const url = 'https://bot:s3cr/et@q?x@hooks.example.com/in'
      expect(maskUrl(url)).to.equal('https://b***:****@hooks.example.com/in')
    })
  })

  describe('fail-safe: an authority no parser reads is masked up to its last @', function () {
    const cases: Array<[string, string]> = [
      ['https://user:Pw0rdSecret99@host.example.com:8443:99/', 'https://u***:****@****/'],
      ['redis://us/er:Pw0rdSecret99@cache.example.com:6379', 'redis://u***:****@cache.example.com:6379'],
      ['postgres://user:Pw0rdSecret99@[fe80::1%25eth0]:5432/db', 'postgres://u***:****@[fe80::1%25eth0]:5432/db'],
      ['redis://:Pw0rdSecret99@münchen-redis.example.com:6379', 'redis://:****@münchen-redis.example.com:6379'],
      ['amqp://user:Pw0rdSecret99@host:${PORT}/vhost', 'amqp://u***:****@host:${PORT}/vhost'],
      ['sqlserver://host:1433;user=sa;password=Pw0rdSecret99', 'sqlserver://host:1433;user=s***;password=****'],
    ]
    for (const [url, expected] of cases) {
      it(`masks ${url}`, function () {
        expect(maskUrl(url)).to.equal(expected)
      })
    }

    it('takes in the words of a password written with spaces in free text', function () {
      expect(maskCredentialsInText('failed: postgres://user:Pw0rd Secret99@host:5432/db now')).to.equal('failed: postgres://u***:****@host:5432/db now')
    })

    it('keeps sentence punctuation and plain URLs as they are', function () {
      const text = 'see (https://status.heroku.com). or https://api.example.com/users/@me, then retry'
      expect(maskCredentialsInText(text)).to.equal(text)
    })
  })
})
