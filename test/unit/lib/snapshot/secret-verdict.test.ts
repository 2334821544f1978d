import {expect} from 'chai'
import fc from 'fast-check'

import {configDecision} from '../../../../src/lib/fork/plan/index.js'
import {credentialIn, privateKeyIn, publicMaterial} from '../../../../src/lib/secrets/index.js'
import {neverSecret, secretVerdict, versionName} from '../../../../src/lib/snapshot/secret-values.js'

/**
 * The one decision "may this value be secret?" (snapshot/secret-values.ts secretVerdict), asked by the
 * fork (withhold) and the audit (compare as a secret). Each class: a value that fires and one that stays silent.
 * Issue 26's done-when; the red-team review's items 1–3 and 6 (REVIEW26.md) are the examples.
 */

const secret = (name: string, value: string): boolean => secretVerdict(name, value).secret
const expectSecret = (name: string, value: string): void => {
  expect(secretVerdict(name, value), `${name}=${value.slice(0, 60)}`).to.include({secret: true})
  expect(configDecision(name, value, false).action, `fork decision for ${name}`).to.be.oneOf(['withhold', 'regenerate'])
}

const expectNotSecret = (name: string, value: string): void => {
  expect(secretVerdict(name, value), `${name}=${value.slice(0, 60)}`).to.include({secret: false})
  expect(configDecision(name, value, false).action, `fork decision for ${name}`).to.equal('copy')
}

const PEM_KEY = '-----BEGIN PRIVATE KEY-----\nMIIEvQIBADANBgkqhkiG9w0BAQEFAASCBKcwggSjAgEAAoIBAQC7\nVJTUt9Us8cKjMzEfYyjiWA4R4/M2bS1GB4t7NXp98C3SC6dVMvDuictGeurT8jNbvJZHtCSuYEvu\n-----END PRIVATE KEY-----'
const RSA_KEY = '-----BEGIN RSA PRIVATE KEY-----\nMIIEowIBAAKCAQEA0Z3VS5JJcds3xfn/ygWyF8PbnGy0AHB7MhgwMbRvI0MBZhpF\n-----END RSA PRIVATE KEY-----'
const OPENSSH_KEY = '-----BEGIN OPENSSH PRIVATE KEY-----\nb3BlbnNzaC1rZXktdjEAAAAABG5vbmUAAAAEbm9uZQAAAAAAAAABAAAAMwAAAAtzc2gtZW\n-----END OPENSSH PRIVATE KEY-----'
const CERT = '-----BEGIN CERTIFICATE-----\nMIIDdzCCAl+gAwIBAgIEAgAAuTANBgkqhkiG9w0BAQUFADBaMQswCQYDVQQGEwJJ\n-----END CERTIFICATE-----'
const STRIPE_LIVE = 'sk_live_51HcXyZaBcDeFgHiJkLmNoPqRsTuV'
const DB_PASSWORD = 'p3a9c1e8b7d6a5f4e3d2c1b0a9f8e7d6c5b4a39281706f5e4d3c2b1a09f8e7d6'
const HOST = 'ec2-1-2-3-4.compute-1.amazonaws.com'

describe('may this value be secret? (snapshot/secret-values.ts secretVerdict)', function () {
  describe('credentials in any form (secrets/inside.ts credentialIn)', function () {
    it('fires for URLs with a password, alone, in lists (`,` `;` spaces, `key=url;key=url`) and inside config text', function () {
      const url = `postgres://u1abc:${DB_PASSWORD}@${HOST}:5432/d8prod`
      for (const value of [
        url,
        `${url},postgres://u2:pw2pw2pw2@other.example.com/db`,
        `redis://h1.example.com:6379;rediss://:s3cretPw0rd@h2.example.com:6380`,
        `https://es1.example.com:9200 https://elastic:s3cretPw0rd@es2.example.com:9200`,
        `primary=${url};replica=postgres://r:replicaPw0123@replica.example.com/db`,
        `primary: ${url}\nreplica: postgres://r:replicaPw0123@replica.example.com/db`,
        `[database]\nurl = ${url}\n`,
        `DATABASE_URL=${url}\nLOG_LEVEL=info`,
        'smtp://postmaster%40acme.mailgun.org:pw0123456789@smtp.mailgun.org:587',
      ]) expectSecret('CONFIG_BLOB', value)
    })

    it('fires for Key=Value; connection strings (ADO, Npgsql, JDBC, ODBC, Azure) and libpq key/value with a password', function () {
      for (const value of [
        `Host=${HOST};Database=d8prod;Username=u1abc;Password=${DB_PASSWORD}`,
        `Server=tcp:acme.database.windows.net,1433;Initial Catalog=acme;User ID=app;Pwd=Hunter2Hunter2;Encrypt=True;`,
        'DefaultEndpointsProtocol=https;AccountName=acme;AccountKey=Zm9vYmFyYmF6cXV4cXV1eGNvcmdl==;EndpointSuffix=core.windows.net',
        'Endpoint=sb://acme.servicebus.windows.net/;SharedAccessKeyName=root;SharedAccessKey=q8Zr3Lk9Wm2Xv7Np4Ty6Bc1',
        'host=db.example.com user=app password=hunter2hunter dbname=app',
        "host=db.example.com user=app password='a b c d' dbname=app",
        'app_id=1;key=abc;secret=9f8e7d6c5b4a3928',
      ]) expectSecret('ConnectionStrings__Default', value)
    })

    it('stays silent for connection strings and config text with no credential', function () {
      for (const value of [
        `Host=${HOST};Database=d8prod;Timeout=30;Pooling=true`,
        'host=db.example.com port=5432 dbname=app sslmode=require',
        'primary: https://cdn.example.com\nretries: 3',
        'password_min_length=12;token_ttl=3600;max_tokens=4096',
        'password: ${DB_PASSWORD}',
        'password: <set me>',
      ]) expectNotSecret('APP_SETTINGS', value)
    })

    it('fires for PEM private keys anywhere: raw, escaped \\n, CRLF, base64, bundled with a certificate, in JSON', function () {
      for (const key of [PEM_KEY, RSA_KEY, OPENSSH_KEY]) {
        for (const value of [
          key,
          key.replaceAll('\n', '\\n'),
          key.replaceAll('\n', '\r\n'),
          Buffer.from(key).toString('base64'),
          Buffer.from(`${CERT}\n${key}`).toString('base64'),
          Buffer.from(key).toString('base64').replaceAll(/(.{64})/g, '$1\n'),
          `${CERT}\n${key}`,
          JSON.stringify({client_email: 'x@acme.iam.gserviceaccount.com', private_key: key, type: 'service_account'}),
          encodeURIComponent(key),
        ]) {
          expect(privateKeyIn(value), value.slice(0, 40)).to.equal(true)
          expectSecret('SAML_IDP', value)
        }
      }
    })

    it('stays silent for certificates alone and chains of them', function () {
      expect(privateKeyIn(CERT)).to.equal(false)
      expectNotSecret('SAML_IDP_CERT', CERT)
      expectNotSecret('KAFKA_TRUSTED_CERT', `${CERT}\n\n${CERT}`)
      expectNotSecret('KAFKA_TRUSTED_CERT', CERT.replaceAll('\n', '\\n'))
    })

    it('fires for vendor secrets inside a longer value (multi-line, JSON, a URL), naming them', function () {
      for (const value of [`line one\n${STRIPE_LIVE}`, JSON.stringify({stripe: STRIPE_LIVE}), `STRIPE=${STRIPE_LIVE} MODE=live`, `https://api.example.com/?k=${STRIPE_LIVE}`]) {
        expectSecret('MULTI', value)
        expect(configDecision('MULTI', value, false)).to.deep.include({kind: 'value holding a Stripe live secret key', live: true})
      }

      expect(credentialIn('xoxb-1234-5678-abcdef in a sentence')).to.deep.equal({what: 'Slack token'})
    })

    it('stays silent for vendor-looking words glued to others, and for browser-key shapes inside text', function () {
      expect(credentialIn('mask_sk_live_is_a_word')).to.equal(undefined)
      expect(credentialIn('{"hint": "AIzaSyA-abcdefghijklmnopqrstuvwxyz01234 is a browser key"}')).to.equal(undefined)
    })

    it('fires for JSON: a leaf under a secret-looking key, or a leaf that is itself secret (any depth, arrays)', function () {
      for (const value of [
        JSON.stringify({db_password: 'hunter2hunter2'}),
        JSON.stringify({nested: {deeper: [{apiKey: 'abcd1234efgh'}]}}),
        JSON.stringify({clientSecret: 'q8Zr3Lk9Wm2Xv7'}),
        JSON.stringify({url: `postgres://u:${DB_PASSWORD}@${HOST}/db`}),
        JSON.stringify({seed: 'Zx8Kq2Lm9Pw4Rt7Yv3Nb6Hc1Jd5Fg0Sa'}),
        JSON.stringify({[STRIPE_LIVE]: true}),
      ]) expectSecret('ENV_JSON', value)
    })

    it('stays silent for JSON of plain settings', function () {
      expectNotSecret('FEATURES_JSON', JSON.stringify({checkout: true, name: 'Acme Store', retries: 3, token_ttl: 3600}))
    })

    it('fires for Authorization material: Basic, Bearer, user:password whose second part is no port', function () {
      for (const value of ['Basic YWRtaW46czNjcjN0UDRzcw==', 'Bearer eyJhbGciOiJIUzI1NiJ9.eyJzdWIiOiIxMjM0In0.abc', 'admin:s3cr3tP4ss', 'svc:Hunter2hunter']) expectSecret('PROXY_AUTH', value)
    })

    it('stays silent for host:port, labels and prose', function () {
      for (const value of ['redis.example.com:6379', 'app:debug', 'express:router', 'region:us-east-1', 'Basic plan', 'Bearer authentication']) expectNotSecret('SOME_SETTING', value)
    })
  })

  describe('tokens by shape, names and numbers', function () {
    it('fires for http(s) URLs with a token in the path or query (the masker\'s predicate), under any name', function () {
      for (const [name, value] of [
        ['RELEASE_WEBHOOK', 'https://hooks.slack.com/services/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'],
        ['SLACK_HOOK', 'https://hooks.slack.com/services/T00000000/B00000000/XXXXXXXXXXXXXXXXXXXXXXXX'],
        ['CALLBACK', 'https://api.example.com/hook?token=f00dbabe1234deadbeef'],
        ['CALLBACK', 'https://api.example.com/hook?access_token=Zx81kLmq0PpR2sTu&x=1'],
        ['ZAPIER', 'https://hooks.zapier.com/hooks/catch/1234567/abcdefg/'],
        ['LOG_INGEST', 'https://abcdef0123456789abcd@logs.example.com/ingest'],
      ]) expectSecret(name ?? '', value ?? '')
    })

    it('stays silent for public URLs whose segments are versions, dates or words', function () {
      for (const value of ['https://acme.myshopify.com/admin/api/2024-01', 'https://docs.example.com/v1.2/guide', 'https://api.example.com/v2/users?api-version=2024-01-01', 'https://cdn.example.com/assets/', 'https://example.com/api-v3/status']) {
        expectNotSecret('DOCS_URL', value)
      }
    })

    it('fires for a long all-digit value under a secret name; stays silent for counts and times under one', function () {
      expectSecret('API_SECRET', '12345678901234567890')
      expectSecret('ADMIN_PIN', '83920174')
      for (const [name, value] of [['TOKEN_TTL', '86400'], ['JWT_EXPIRATION_SECONDS', '31536000'], ['MAX_TOKENS', '4096'], ['SECRET_ROTATION_DAYS', '30'], ['ACCOUNT_NUMBER', '12345678901234']]) {
        expectNotSecret(name ?? '', value ?? '')
      }
    })

    it('calls hex a commit id only under a version name, by its words (not substrings)', function () {
      const sha = '3f2a9c1e8b7d6a5f4e3d2c1b0a9f8e7d6c5b4a39'
      for (const name of ['SOURCE_VERSION', 'HEROKU_SLUG_COMMIT', 'GIT_SHA', 'BUILD_COMMIT', 'APP_REVISION', 'SENTRY_RELEASE', 'GIT_REV']) {
        expect(versionName(name) || name === 'SOURCE_VERSION' || name === 'HEROKU_SLUG_COMMIT', name).to.equal(true)
        expectNotSecret(name, sha)
        expectNotSecret(name, sha.slice(0, 7))
      }

      for (const name of ['X_API_HEX40', 'RELEASE_WEBHOOK', 'SHARED_HASH', 'UPLOAD_KEY', 'RELEASED_BY_TOKEN', 'SHAPE_ID_ENCODER']) {
        expect(neverSecret(name, sha), name).to.equal(false)
      }

      expectSecret('X_API_HEX40', sha)
      expectSecret('X_API_HEX64', `${sha}${sha.slice(0, 24)}`)
      expectSecret('GIT_REV', 'a1B2c3D4e5F6g7H8i9J0k1L2m3N4')
      expect(versionName('RELEASE_WEBHOOK')).to.equal(false)
    })

    it('fires for a random word among plain ones (an .env line); stays silent for prose', function () {
      expectSecret('EXTRA', 'mode=fast seed=Zx8Kq2Lm9Pw4Rt7Yv3Nb6Hc1Jd5Fg0Sa')
      expectNotSecret('WELCOME_TEXT', 'Welcome to the Acme store, enjoy your visit')
    })
  })

  describe('public material stays copyable, unless a credential is inside (secrets/public.ts)', function () {
    it('copies browser-bundled prefixes, public/publishable/site/search-only keys, DSNs, buckets and host lists', function () {
      const material: Array<[string, string, string]> = [
        ['NEXT_PUBLIC_POSTHOG_KEY', 'phc_AbCdEfGhIjKlMnOpQrStUvWxYz0123456789abc', 'publishable key'],
        ['REACT_APP_MAPS_KEY', 'AIzaSyA-abcdefghijklmnopqrstuvwxyz01234', 'browser-bundled value'],
        ['VITE_API_TOKEN', 'Zx8Kq2Lm9Pw4Rt7Yv3Nb6Hc1Jd5Fg0Sa', 'browser-bundled value'],
        ['EXPO_PUBLIC_KEY', 'Zx8Kq2Lm9Pw4Rt7Yv3Nb6Hc1Jd5Fg0Sa', 'browser-bundled value'],
        ['RECAPTCHA_SITE_KEY', '6LeIxAcTAAAAAJcZVRqyHh71UMIEGNQ_MXjiZKhI', 'public key'],
        ['FIREBASE_API_KEY_PUBLIC', 'AIzaSyA-abcdefghijklmnopqrstuvwxyz01234', 'public key'],
        ['ALGOLIA_SEARCH_KEY', '0123456789abcdef0123456789abcdef', 'public key'],
        ['ALGOLIA_SEARCH_ONLY_API_KEY', '0123456789abcdef0123456789abcdef', 'public key'],
        ['SEGMENT_WRITE_KEY', 'AbCdEfGhIjKlMnOpQrStUvWxYz012345', 'public key'],
        ['JWT_PUBLIC_KEY', '-----BEGIN PUBLIC KEY-----\nMFkwEwYHKoZIzj0CAQYIKoZIzj0DAQcDQgAE\n-----END PUBLIC KEY-----', 'public key'],
        ['NEW_RELIC_KEY', '0123456789abcdef0123456789abcdef0123NRAL', 'ingest-only license key'],
        ['RAVEN_DSN', 'https://0123456789abcdef0123456789abcdef@o123456.ingest.sentry.io/4504', 'Sentry DSN'],
        ['SENTRY_DSN_BACKEND', 'https://0123456789abcdef0123456789abcdef@o123456.ingest.us.sentry.io/4504/', 'Sentry DSN'],
        ['SENTRY_DSN', 'https://0123456789abcdef0123456789abcdef@sentry.example.com/sub/42', 'Sentry DSN'],
        ['S3_BUCKET_ASSETS', 'bucketeer-3f2a9c1e-8b7d-4a5f-9e3d-2c1b0a9f8e7d', 'bucket name'],
        ['FOG_DIRECTORY', 'acme-prod-assets-3f2a9c1e8b7d', 'bucket name'],
        ['ELASTIC_HOSTS', 'https://es1.example.com:9200,https://es2.example.com:9200', 'host list'],
        ['MEMCACHIER_SERVERS', 'mc1.dev.ec2.memcachier.com:11211;mc2.dev.ec2.memcachier.com:11211', 'host list'],
        ['REDIS_HOSTS', 'redis1.example.com:6379 redis2.example.com:6379', 'host list'],
      ]
      for (const [name, value, kind] of material) {
        expect(publicMaterial(name, value), name).to.equal(kind)
        expect(secretVerdict(name, value), name).to.deep.equal({secret: false, what: kind, why: 'public'})
        expect(configDecision(name, value, false), name).to.deep.include({action: 'copy', reason: `public material (${kind})`})
      }
    })

    it('withholds the same names when a private key, a vendor secret or a password is inside, or the name says secret', function () {
      for (const [name, value] of [
        ['NEXT_PUBLIC_STRIPE_KEY', STRIPE_LIVE],
        ['STRIPE_PUBLISHABLE_KEY', STRIPE_LIVE],
        ['NEW_RELIC_LICENSE_KEY', STRIPE_LIVE],
        ['NEXT_PUBLIC_CONFIG', JSON.stringify({key: PEM_KEY})],
        ['KAFKA_TRUSTED_CERT', `${CERT}\n${PEM_KEY}`],
        ['VITE_DATABASE_URL', `postgres://u:${DB_PASSWORD}@${HOST}/db`],
        ['ELASTIC_HOSTS', 'https://es1.example.com:9200,https://elastic:s3cretPw0rd@es2.example.com:9200'],
        ['SECRET_PAIR', 'svcuser:54321'],
        ['UPLOAD_BUCKET_SECRET', 'acme-prod-assets'],
        ['APP_PUBLIC_SECRET', 'Zx8Kq2Lm9Pw4Rt7Yv3Nb6Hc1Jd5Fg0Sa'],
        ['SENTRY_DSN_OLD', 'https://abcdef0123456789:fedcba9876543210@o1.ingest.sentry.io/1'],
        ['GOOGLE_MAPS_KEY', 'AIzaSyA-abcdefghijklmnopqrstuvwxyz01234'],
      ]) {
        expect(publicMaterial(name ?? '', value ?? ''), name).to.equal(undefined)
        expectSecret(name ?? '', value ?? '')
      }
    })
  })

  describe('properties (fast-check)', function () {
    const token = fc.string({maxLength: 24, minLength: 12, unit: fc.constantFrom(...'abcdefghijkmnpqrstuvwxyzABCDEFGHJKLMNPQRSTUVWXYZ23456789')})
      .filter(value => /[a-z]/.test(value) && /[A-Z]/.test(value) && /\d/.test(value))
    const name = fc.stringMatching(/^[A-Z][A-Z\d]{0,8}(?:_[A-Z\d]{1,8}){0,3}$/)
    /** Secrets S the decision must see whatever wraps them. */
    const secretValue = fc.oneof(
      token.map(pw => `postgres://app:${pw}@db.example.com:5432/app`),
      token.map(pw => `sk_live_${pw}`),
      token.map(pw => `Host=db.example.com;Username=app;Password=${pw}`),
      fc.constant(PEM_KEY),
      fc.constant(RSA_KEY),
    )
    /** Wrappers W: JSON (any key, nested), YAML, INI, .env, a list, an ADO string. */
    const wrapper = fc.oneof(
      fc.constant((s: string) => JSON.stringify({config: s})),
      fc.constant((s: string) => JSON.stringify({a: [{b: s}], plain: 'x'})),
      fc.constant((s: string) => JSON.stringify({settings: {value: s}}, null, 2)),
      fc.constant((s: string) => `primary: ${JSON.stringify(s)}\nretries: 3`),
      fc.constant((s: string) => `[main]\nvalue = ${s}\n`),
      fc.constant((s: string) => `LOG_LEVEL=info\nVALUE=${s}\n`),
      fc.constant((s: string) => `first line\n${s}\nlast line`),
      fc.constant((s: string) => `https://cdn.example.com, ${s}`),
    )

    it('for any secret value S and any wrapper W, W(S) is withheld under any name (and compared as a secret)', function () {
      fc.assert(fc.property(name, secretValue, wrapper, (key, value, wrap) => {
        const wrapped = wrap(value)
        expect(secret(key, wrapped), `${key}=${wrapped}`).to.equal(true)
        expect(configDecision(key, wrapped, false).action).to.be.oneOf(['withhold', 'regenerate'])
      }), {numRuns: 300})
    })

    it('for any var name and a PEM private key inside any value, withheld, and never public material', function () {
      const prefix = fc.constantFrom('', 'NEXT_PUBLIC_', 'PUBLIC_', 'VITE_', 'REACT_APP_')
      const around = fc.constantFrom((k: string) => k, (k: string) => `${CERT}\n${k}`, (k: string) => k.replaceAll('\n', '\\n'), (k: string) => Buffer.from(k).toString('base64'), (k: string) => JSON.stringify({private_key: k}))
      fc.assert(fc.property(prefix, name, fc.constantFrom(PEM_KEY, RSA_KEY, OPENSSH_KEY), around, (start, key, pem, wrap) => {
        const value = wrap(pem)
        expect(publicMaterial(`${start}${key}`, value)).to.equal(undefined)
        expect(configDecision(`${start}${key}`, value, false).action).to.be.oneOf(['withhold', 'regenerate'])
      }), {numRuns: 200})
    })

    it('for any plain word list under a plain name, copied (the decision does not withhold everything)', function () {
      const word = fc.constantFrom('acme', 'store', 'fast', 'info', 'checkout', 'enabled', 'eu', 'west', 'blue', 'green')
      fc.assert(fc.property(fc.array(word, {maxLength: 5, minLength: 1}), fc.constantFrom(' ', ',', '-', '_'), (words, separator) => {
        expect(secret('APP_DISPLAY', words.join(separator))).to.equal(false)
      }))
    })
  })
})

describe('second review (REVIEW26b.md): classes of secrets the first decision missed', function () {
  describe('credentials inside option strings (item 1)', function () {
    it('fires for -Dkey=value, --key=value, --key value under password-like keys, and -u … -pSECRET / -a SECRET', function () {
      for (const [name, value] of [
        ['JAVA_OPTS', '-Xmx300m -Dspring.datasource.password=prodDbPassw0rd1'],
        ['JAVA_OPTS', '-Djavax.net.ssl.keyStorePassword=changeit-prod-77'],
        ['JAVA_TOOL_OPTIONS', '-Dapp.secret=hunterhunterhunter'],
        ['CATALINA_OPTS', '-Ddb.pass=correcthorsebattery'],
        ['PG_DUMP_OPTS', '--password=hunter2hunter2'],
        ['PG_DUMP_OPTS', '--no-owner --password hunter2hunter2'],
        ['REDIS_CLI_ARGS', '-a hunter2hunter2 --tls'],
        ['MYSQL_OPTS', '-uapp -pHunter2Hunter2'],
      ] as const) expectSecret(name, value)
    })

    it('stays silent for JVM flags and options with no password-like key', function () {
      for (const [name, value] of [
        ['JAVA_OPTS', '-Xmx300m -Dfile.encoding=UTF-8 -Duser.timezone=UTC'],
        ['PG_DUMP_OPTS', '--no-owner --format custom --jobs 4'],
        ['MYSQL_OPTS', '-uapp --protocol tcp'],
        ['JAVA_OPTS', '-Dspring.datasource.password-min-length=12'],
      ] as const) expectNotSecret(name, value)
    })

    it('property: any password-like -D/-- option with a credential-shaped value inside any JVM flags is withheld', function () {
      fc.assert(fc.property(
        fc.constantFrom('password', 'db.pass', 'app.secret', 'spring.datasource.password', 'keyStorePassword', 'api.token'),
        // A letter and a digit: placeholders (`xxxxxxxx`, `changeme`) and enum words (`disabled`) are no credential.
        fc.stringMatching(/^[\dA-Za-z]{8,24}$/).filter(value => /\d/.test(value) && /[A-Za-z]/.test(value)),
        fc.constantFrom('-D', '--'),
        fc.constantFrom('', '-Xmx300m ', '-XX:+UseContainerSupport '),
        (key, password, dash, before) => secret('JAVA_OPTS', `${before}${dash}${key}=${password} -Dfile.encoding=UTF-8`),
      ))
    })
  })

  describe('secret-named values (items 2, 3, 7)', function () {
    it('fires for PW, CREDS, AUTH (a whole word), HTPASSWD and ENCRYPTION names, and for symbol passwords under any name', function () {
      const symbols = 'Xk9#mQ2$vL7!pR4@zT'
      for (const name of ['ADMIN_PW', 'DB_PW', 'SMTP_CREDS', 'ADMIN_AUTH', 'BACKUP_ENCRYPTION', 'BACKUP_ENCRYPTION_KEY', 'LEGACY']) expectSecret(name, symbols)
      expectSecret('ROOT_PW', 'hunter2hunter2')
      expectSecret('HTPASSWD', 'admin:$apr1$r31.....$HqJZimcKQFAMYayBlzkrA/')
    })

    it('fires for a user:password pair under an auth-ish name, whatever the password\'s shape', function () {
      for (const [name, value] of [['BASIC_AUTH', 'staff:opensesame'], ['HTTP_AUTH', 'admin:correct-horse-battery-staple'], ['AUTH', 'admin:letmein']] as const) expectSecret(name, value)
    })

    it('stays silent for AUTH inside another word, and for a pair of words under a plain name', function () {
      expectNotSecret('AUTHOR_NAME', 'Jane Doe')
      expectNotSecret('OAUTH_PROVIDER', 'google')
      expectNotSecret('LOG_TAGS', 'app:debug')
    })

    it('fires for short values (4+) and numbers of 4+ digits (signed, decimal) under a secret name', function () {
      for (const [name, value] of [
        ['DB_PASSWORD', 'hunt3'], ['ADMIN_PIN', '8392'], ['API_SECRET', '1234567.89012'], ['API_TOKEN', '-1234567890123'],
        ['SECRET_MAX', '987654321987'], ['DOOR_CODE_SECRET', '73519'],
      ] as const) expectSecret(name, value)
    })

    it('stays silent for quantities, times, enums and tiny values under a secret name', function () {
      for (const [name, value] of [
        ['TOKEN_TTL', '86400'], ['SESSION_SECRET_ROTATION_DAYS', '30'], ['JWT_MAX_AGE', '3600'], ['PASSWORD_MIN_LENGTH', '12'],
        ['SECRET_MAX', '50000'], ['DB_PASSWORD', 'none'], ['JWT_SECRET', 'false'], ['API_KEY', 'abc'], ['AUTH_TIMEOUT', '30000'],
        ['JWT_ALGORITHM', 'HS256'], ['APP_KEY_PREFIX', 'acme'],
      ] as const) expectNotSecret(name, value)
    })

    it('property: any 4+ digit number, signed or decimal, under a secret name that counts nothing is secret', function () {
      fc.assert(fc.property(fc.constantFrom('API_SECRET', 'ADMIN_PIN', 'DB_PW', 'API_TOKEN', 'BASIC_AUTH'), fc.stringMatching(/^-?\d{4,14}(?:\.\d{1,6})?$/), (name, value) => secret(name, value)))
    })
  })

  describe('browser prefixes do not hide secret words or secret shapes (item 6)', function () {
    it('fires for a secret word or a secret-shaped value under NEXT_PUBLIC_, VITE_, PUBLIC_, REACT_APP_', function () {
      for (const [name, value] of [
        ['NEXT_PUBLIC_SUPABASE_SERVICE_ROLE_KEY', 'eyJhbGciOiJIUzI1NiIsInR5cCI6IkpXVCJ9.eyJyb2xlIjoic2VydmljZV9yb2xlIn0.abc123def456ghi789'],
        ['VITE_API_SECRET', 'Zx81kLmq0PpR2sTuVw'], ['PUBLIC_DB_PASSWORD', 'hunter2hunter2'], ['REACT_APP_FIREBASE_ADMIN', 'Zx81kLmq0PpR2sTuVw12'],
        ['VITE_SENTRY', 'Xk9#mQ2$vL7!pR4@zT'],
      ] as const) expectSecret(name, value)
    })

    it('stays silent for plain browser values and browser keys', function () {
      for (const [name, value] of [
        ['NEXT_PUBLIC_API_URL', 'https://api.acme.com'], ['VITE_APP_TITLE', 'Acme Dashboard'], ['REACT_APP_FIREBASE_API_KEY', 'AIzaSyA-abcdefghijklmnopqrstuvwxyz01234'],
        ['NEXT_PUBLIC_STRIPE_PUBLISHABLE_KEY', 'pk_live_51HcXyZaBcDeFgHiJkLmNoPqRsTuV'],
      ] as const) expectNotSecret(name, value)
    })
  })

  describe('random means random, not long or mixed-case (item 5)', function () {
    it('stays silent for words: time zones, JVM flags, class names, CamelCase lists, file names, tags, public URLs', function () {
      for (const [name, value] of [
        ['TZ', 'America/Argentina/Buenos_Aires'], ['TZ', 'America/Port_of_Spain'], ['TZ', 'Australia/Broken_Hill'],
        ['JAVA_OPTS', '-XX:+HeapDumpOnOutOfMemoryError'], ['JAVA_OPTS', '-Xmx300m -XX:+UseContainerSupport'], ['SBT_OPTS', '-Xss4m -XX:+CMSClassUnloadingEnabled'],
        ['MAIN_CLASS', 'com.acme.ApplicationServerMain'], ['FEATURE_FLAGS', 'EnableNewCheckoutFlow,ShowBetaBanner'],
        ['QUEUE_NAMES', 'HighPriorityNotifications,LowPriorityDigests'], ['DEPLOY_TAG', 'release-2024-11-05-3f2a9c1e'],
        ['PDF_TEMPLATE', 'InvoiceTemplateV2Landscape'], ['LOCALES', 'en-US,de-DE,fr-FR'],
        ['CALLBACK', 'https://acme.com/users/auth/google_oauth2/callback'], ['JQUERY', 'https://code.jquery.com/jquery-3.7.1.min.js'],
        ['TOUR', 'https://acme.com/ProductTour'], ['CHANGES', 'https://github.com/acme/app/blob/main/CHANGELOG.md'],
        ['BUILDPACK', 'https://github.com/heroku/heroku-buildpack-nodejs#v220'], ['TERMS', 'https://acme.com/terms-of-service-2024'],
      ] as const) expectNotSecret(name, value)
    })

    it('stays silent for plain values under secret-looking names: URLs, paths, regions, ARNs, hosts, issuers', function () {
      for (const [name, value] of [
        ['TOKEN_ENDPOINT', 'https://acme.auth0.com/oauth/token'], ['PASSWORD_RESET_URL', 'https://acme.com/password/reset'],
        ['SECRET_MANAGER_REGION', 'us-east-1'], ['KMS_KEY_ARN', 'arn:aws:kms:us-east-1:123456789012:key/1234abcd-12ab-34cd-56ef-1234567890ab'],
        ['JWT_ISSUER', 'acme-auth-service'], ['SECRET_KEY_FILE', '/run/secrets/secret_key'], ['CERT_CN', 'acme.com'],
        ['FIREBASE_AUTH_DOMAIN', 'acme-prod-4f2a1.firebaseapp.com'], ['KEY_ALIAS', 'alias/acme-production'], ['BASIC_AUTH_USER', 'staff'],
        ['PASSWORD_HASHER', 'argon2'], ['SECRET_STORE', 'vault'], ['CALLBACK', 'https://acme.com/auth/auth0/callback'],
      ] as const) expectNotSecret(name, value)
    })

    it('still fires for generated values: UUIDs, hex, base64, tokens in URLs, and random values under those names', function () {
      for (const [name, value] of [
        ['LEGACY', '3f2a9c1e-8b7d-4a5f-9e3d-2c1b0a9f8e7d'], ['LEGACY', 'deadbeefcafebabe0011223344556677'],
        ['LEGACY', 'wJalrXUtnFEMI/K7MDENG/bPxRfiCYzzQ9Lk'], ['NONCE_LIST', 'Zx81kLmq0PpR2sTuVw12 Qp9LmZx81kRt2sUvWw'],
        ['HOOK', 'https://hooks.example.com/in/Zx81kLmq0PpR2sTuVw12'], ['SECRET_KEY_FILE', 'Zx81kLmq0PpR2sTuVw12'],
        ['NOTIFY', 'https://ntfy.sh/acme-prod-alerts-topic'],
      ] as const) expectSecret(name, value)
    })

    it('property: words joined in any case style are never random-looking', function () {
      const word = fc.constantFrom('heap', 'dump', 'memory', 'error', 'invoice', 'template', 'checkout', 'banner', 'notification', 'priority', 'service', 'landscape', 'server', 'application')
      const cap = (w: string): string => `${w[0]?.toUpperCase() ?? ''}${w.slice(1)}`
      fc.assert(fc.property(fc.array(word, {maxLength: 6, minLength: 2}), fc.constantFrom('camel', 'snake', 'kebab', 'dotted'), (list, style) => {
        const value = style === 'camel' ? list.map(w => cap(w)).join('') : list.join(style === 'snake' ? '_' : style === 'kebab' ? '-' : '.')
        return !secret('APP_SETTING', value)
      }))
    })

    it('property: a symbol password (12+ characters, 3+ classes with a symbol, no space) is secret under any name', function () {
      const some = (alphabet: string, size: number) => fc.shuffledSubarray([...alphabet], {maxLength: size, minLength: size})
      const interleaved = fc.tuple(some('BCDFGHJKLMNPQRSTVWXZ', 4), some('bcdfghjkmnpqrstvwxz', 4), some('0123456789', 4), some('#$!@%&*?', 4))
        .map(([upper, lower, digit, symbol]) => upper.map((u, i) => `${u}${lower[i]}${digit[i]}${symbol[i]}`).join(''))
      fc.assert(fc.property(interleaved, fc.constantFrom('LEGACY', 'MISC', 'VALUE_2'), (value, name) => secret(name, value)))
    })
  })

  describe('credential file lines (item 8)', function () {
    it('fires for .netrc, pgpass (host:port:db:user:pass, host:port:user:pass), XML password elements and .npmrc tokens', function () {
      for (const [name, value] of [
        ['NETRC', 'machine github.com login acme password opensesame'],
        ['PGPASS', 'db.acme.com:5432:acme:app:opensesame'],
        ['PGPASS', 'localhost:*:*:app:opensesame'],
        ['SMTP_SETTINGS', 'smtp.mailgun.org:587:postmaster@acme.com:opensesame'],
        ['XML_CFG', '<config><password>opensesame</password></config>'],
        ['NPMRC', '//npm.pkg.github.com/:_authToken=opensesame-token'],
      ] as const) expectSecret(name, value)
    })

    it('stays silent for the same formats without a credential, and for colon lists that are no pgpass line', function () {
      for (const [name, value] of [
        ['NETRC', 'machine github.com login acme'],
        ['XML_CFG', '<config><name>acme</name><password_min_length>12</password_min_length></config>'],
        ['NPMRC', '//npm.pkg.github.com/:always-auth=true'],
        ['KAFKA_TOPICS', 'events:3:orders:payments'],
        ['CLOCK', '12:30:45'],
      ] as const) expectNotSecret(name, value)
    })
  })
})
