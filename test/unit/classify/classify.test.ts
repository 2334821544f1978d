import {expect} from 'chai'

import {
  buildClassifyContext,
  classifyTarget,
  describeTarget,
  hostAndDatabase,
  type ClassifyContext,
  type ClassifyTarget,
  type ProductionApp,
  RefusalCode,
  type RefusalCodeValue,
  sourceFromAttachment,
  targetFromAttachment,
} from '../../../src/lib/classify/classify.js'
import {resolveDatabase} from '../../../src/lib/classify/resolve.js'
import {attachment, PROD, PROD_DB_URL, production, REDIS_URL, STAGING, STAGING_DB_URL, staging} from './fixtures.js'

/** Production as the guard sees it, built by hand so each row can isolate one reason. */
function prodApp(overrides: Partial<ProductionApp> = {}): ProductionApp {
  return {
    addons: [{attachment: 'DATABASE', id: 'addon-prod-db', name: 'postgresql-prod-1'}],
    credentials: [{configVar: 'DATABASE_URL', url: PROD_DB_URL}],
    id: PROD.id,
    name: PROD.name,
    stage: 'production',
    ...overrides,
  }
}

function context(overrides: Partial<ClassifyContext> = {}): ClassifyContext {
  return {
    production: [prodApp()],
    protectedApps: [],
    source: {addon: {id: 'addon-prod-db', name: 'postgresql-prod-1'}, app: PROD.name, attachment: 'DATABASE', configVar: 'DATABASE_URL', url: PROD_DB_URL},
    ...overrides,
  }
}

function stagingTarget(overrides: Partial<ClassifyTarget> = {}): ClassifyTarget {
  return {
    addon: {id: 'addon-staging-db', name: 'postgresql-staging-1', owner: STAGING, plan: 'heroku-postgresql:essential-0', service: 'heroku-postgresql'},
    app: STAGING,
    attachment: 'DATABASE',
    configVar: 'DATABASE_URL',
    following: null,
    url: STAGING_DB_URL,
    ...overrides,
  }
}

const prodOwned = {id: 'addon-prod-spare', name: 'postgresql-prod-spare', owner: PROD, plan: 'heroku-postgresql:standard-0', service: 'heroku-postgresql'}
const SPARE_URL = 'postgres://uspare:sparesecretpassword@ec2-2-2-2-2.compute-1.amazonaws.com:5432/dspare'

interface Row {
  name: string
  target: ClassifyTarget
  context: ClassifyContext
  codes: RefusalCodeValue[]
  production: boolean
  /** words the message must contain */
  says?: string[]
}

const rows: Row[] = [
  // Safe targets stay silent.
  {codes: [], context: context(), name: "staging's own database", production: false, target: stagingTarget()},
  {
    codes: [],
    context: context({protectedApps: ['acme-legacy'], from: PROD.name}),
    name: 'staging database with protected apps and --from that do not own it',
    production: false,
    target: stagingTarget(),
  },
  {
    codes: [],
    context: context(),
    name: 'same host as production but another database name',
    production: false,
    target: stagingTarget({url: 'postgres://ustg:pw@ec2-1-2-3-4.compute-1.amazonaws.com:5432/dstg'}),
  },
  {codes: [], context: context({source: undefined}), name: 'no source at all', production: false, target: stagingTarget()},

  // Owned by production: pipeline, protected, --from.
  {
    codes: [RefusalCode.OwnedByProduction],
    context: context(),
    name: 'add-on owned by the pipeline production app',
    production: true,
    says: ['owned by production app acme-production', 'pipeline stage production'],
    target: stagingTarget({addon: prodOwned, attachment: 'SPARE', configVar: 'SPARE_URL', url: SPARE_URL}),
  },
  {
    codes: [RefusalCode.OwnedByProduction],
    context: context({protectedApps: ['acme-legacy']}),
    name: 'add-on owned by a protected app',
    production: true,
    says: ['acme-legacy', 'protected with heroku staging:protect'],
    target: stagingTarget({addon: {...prodOwned, owner: {name: 'acme-legacy'}}, url: SPARE_URL}),
  },
  {
    codes: [RefusalCode.OwnedByProduction],
    context: context({from: 'app-other-id'}),
    name: 'add-on owned by the --from app (matched by id)',
    production: true,
    says: ['named with --from'],
    target: stagingTarget({addon: {...prodOwned, owner: {id: 'app-other-id', name: 'acme-other'}}, url: SPARE_URL}),
  },

  // Attached to production.
  {
    codes: [RefusalCode.AttachedToProduction],
    context: context({production: [prodApp({addons: [{attachment: 'STAGING_DB', id: 'addon-staging-db', name: 'postgresql-staging-1'}]})]}),
    name: "staging's add-on also attached to production",
    production: true,
    says: ['attached to production app acme-production'],
    target: stagingTarget(),
  },
  {
    codes: [RefusalCode.AttachedToProduction],
    context: context({protectedApps: ['acme-legacy']}),
    name: 'the app being written is protected (the add-on is owned elsewhere)',
    production: true,
    says: ['attached to production app acme-legacy (protected with heroku staging:protect)', 'Name the staging app'],
    target: stagingTarget({app: {name: 'acme-legacy'}}),
  },
  {
    codes: [RefusalCode.OwnedByProduction, RefusalCode.AttachedToProduction],
    context: context({protectedApps: [STAGING.name]}),
    name: 'the app being written owns the add-on and is protected',
    production: true,
    says: ['protected'],
    target: stagingTarget(),
  },
  {
    codes: [RefusalCode.OwnedByProduction, RefusalCode.AttachedToProduction, RefusalCode.SameDatabaseAsProduction, RefusalCode.SameAddonAsSource],
    context: context(),
    name: "production's own DATABASE named with -a production",
    production: true,
    target: {addon: {...prodOwned, id: 'addon-prod-db', name: 'postgresql-prod-1'}, app: PROD, attachment: 'DATABASE', configVar: 'DATABASE_URL', url: PROD_DB_URL},
  },

  // Same physical database as a production credential, whatever the strings say.
  {
    codes: [RefusalCode.SameDatabaseAsProduction],
    context: context({source: undefined}),
    name: 'staging-owned add-on whose URL reaches production (other user, case, port spelled out, query)',
    production: true,
    says: ["acme-production's DATABASE_URL"],
    target: stagingTarget({url: 'postgresql://someone:else@EC2-1-2-3-4.compute-1.amazonaws.com.:5432/dprod?sslmode=require'}),
  },
  {
    codes: [RefusalCode.SameDatabaseAsProduction],
    context: context({production: [prodApp({addons: [], credentials: [{configVar: 'REPORTING_URL', url: STAGING_DB_URL.replace('ustg:stagingsecretpassword', 'reader:x')}]})]}),
    name: 'production holds a credential to the staging database',
    production: true,
    says: ['REPORTING_URL'],
    target: stagingTarget(),
  },

  // The source itself.
  {
    codes: [RefusalCode.SameAddonAsSource],
    context: context({production: [], source: {addon: {id: 'addon-staging-db', name: 'postgresql-staging-1'}, url: 'postgres://a:b@elsewhere:5432/x'}}),
    name: 'target is the source add-on',
    production: false,
    says: ['source add-on postgresql-staging-1'],
    target: stagingTarget(),
  },
  {
    codes: [RefusalCode.SameDatabaseAsSource],
    context: context({production: [], source: {app: 'acme-dev', attachment: 'DATABASE', url: STAGING_DB_URL.replace('ustg', 'other')}}),
    name: 'target reaches the same database as the source through another add-on id',
    production: false,
    says: ['same physical database as the source'],
    target: stagingTarget(),
  },

  // Follower.
  {
    codes: [RefusalCode.Follower],
    context: context(),
    name: 'target is a follower',
    production: false,
    says: ['follower of postgresql-staging-leader', 'heroku pg:unfollow postgresql-staging-1 -a acme-staging'],
    target: stagingTarget({following: 'postgresql-staging-leader'}),
  },

  // Not heroku-postgresql.
  {
    codes: [RefusalCode.NotHerokuPostgres],
    context: context(),
    name: 'target is a Redis add-on',
    production: false,
    says: ['heroku-redis'],
    target: stagingTarget({addon: {id: 'addon-stg-redis', name: 'redis-stg', owner: STAGING, service: 'heroku-redis'}, attachment: 'REDIS', configVar: 'REDIS_URL', url: REDIS_URL}),
  },
  {
    codes: [RefusalCode.NotHerokuPostgres],
    context: context(),
    name: 'target is a bare postgres URL backed by no add-on',
    production: false,
    says: ['not backed by any add-on'],
    target: {app: STAGING, configVar: 'EXTERNAL_URL', url: 'postgres://u:p@db.example.org:5432/external'},
  },

  // Unknown URL: fail closed.
  {
    codes: [RefusalCode.Unverifiable],
    context: context(),
    name: 'target with no known URL',
    production: true,
    says: ['no connection URL'],
    target: stagingTarget({url: undefined}),
  },
]

describe('guard: classifyTarget', function () {
  for (const row of rows) {
    it(`${row.codes.length === 0 ? 'allows' : 'refuses'}: ${row.name}`, function () {
      const result = classifyTarget(row.target, row.context)
      expect(result.refusals.map(r => r.code)).to.have.members(row.codes)
      expect(result.refusals).to.have.length(row.codes.length)
      expect(result.production).to.equal(row.production)
      for (const refusal of result.refusals) {
        expect(refusal.fix, `${refusal.code} fix`).to.match(/heroku |--|-a /)
        expect(refusal.target).to.equal(describeTarget(row.target))
        expect(refusal.message).to.equal(`Refusing to overwrite ${refusal.target}: ${refusal.reason}`)
        expect(JSON.stringify(refusal)).to.not.match(/secretpassword|:x@|:else@/)
      }

      const text = result.refusals.map(r => `${r.message} ${r.fix}`).join('\n')
      for (const word of row.says ?? []) expect(text).to.contain(word)
    })
  }

  it('covers every refusal code in the table', function () {
    const fired = new Set(rows.flatMap(row => row.codes))
    expect([...fired]).to.have.members(Object.values(RefusalCode))
  })

  it('describes the target fully without credentials', function () {
    const text = describeTarget(stagingTarget())
    expect(text).to.equal("acme-staging's DATABASE attachment (DATABASE_URL), add-on postgresql-staging-1 (heroku-postgresql:essential-0, owned by acme-staging), at ec2-5-6-7-8.compute-1.amazonaws.com:5432/dstg")
  })
})

describe('guard: built from snapshots', function () {
  const prod = production()
  const ctxFor = (source = sourceFromAttachment(prod, prod.attachments[0]!)) => buildClassifyContext({production: [prod], protectedApps: [], source})

  it("allows a clean staging's DATABASE", function () {
    const target = resolveDatabase(staging(), 'DATABASE')!
    expect(classifyTarget(target, ctxFor()).refusals).to.deep.equal([])
  })

  it('refuses the seed incident: staging DATABASE_URL is a plain copy of production\'s URL', function () {
    const incident = staging({
      attachments: [attachment({addon: 'postgresql-rose-1', addonId: 'addon-rose', app: STAGING, name: 'HEROKU_POSTGRESQL_ROSE'})],
      configVars: {DATABASE_URL: PROD_DB_URL, HEROKU_POSTGRESQL_ROSE_URL: STAGING_DB_URL},
    })
    const target = resolveDatabase(incident, 'DATABASE')!
    const result = classifyTarget(target, ctxFor())
    expect(result.production).to.equal(true)
    expect(result.refusals.map(r => r.code)).to.have.members([RefusalCode.SameDatabaseAsProduction, RefusalCode.SameDatabaseAsSource, RefusalCode.NotHerokuPostgres])
    expect(result.refusals[0]!.target).to.contain("app acme-staging (DATABASE_URL)")
  })

  it("refuses production's add-on attached to staging (owned by production, same database, the source)", function () {
    const shared = staging({
      attachments: [attachment({addon: 'postgresql-prod-1', addonId: 'addon-prod-db', app: STAGING, name: 'DATABASE', owner: PROD})],
      configVars: {DATABASE_URL: PROD_DB_URL},
    })
    const result = classifyTarget(resolveDatabase(shared, 'DATABASE')!, ctxFor())
    expect(result.refusals.map(r => r.code)).to.have.members([
      RefusalCode.OwnedByProduction,
      RefusalCode.SameDatabaseAsProduction,
      RefusalCode.SameAddonAsSource,
    ])
  })

  it("refuses production's follower through its snapshot", function () {
    const target = targetFromAttachment(prod, prod.attachments[1]!)
    const result = classifyTarget(target, ctxFor())
    expect(result.refusals.map(r => r.code)).to.include.members([RefusalCode.Follower, RefusalCode.OwnedByProduction, RefusalCode.AttachedToProduction])
  })

  it('keeps one entry per app and carries credentials that are postgres URLs only', function () {
    const ctx = buildClassifyContext({from: PROD.name, production: [prod, prod], protectedApps: ['x']})
    expect(ctx.production).to.have.length(1)
    expect(ctx.production[0]!.credentials.map(c => c.configVar)).to.have.members(['DATABASE_URL', 'HEROKU_POSTGRESQL_GRAY_URL'])
    expect(ctx.protectedApps).to.deep.equal(['x'])
  })
})

describe('guard: hostAndDatabase names where the URL connects, never its credentials', function () {
  const cases: Array<[string, string]> = [
    ['postgres://user:pw@ec2-1-2-3-4.compute-1.amazonaws.com/dprod', 'ec2-1-2-3-4.compute-1.amazonaws.com:5432/dprod'],
    ['postgresql+psycopg2://user:pw@db.example.com:6432/app', 'db.example.com:6432/app'],
    // libpq's override is where a client connects, and where the identity check looks.
    ['postgres://user:pw@ec2-1-2-3-4.compute-1.amazonaws.com/dprod?host=ec2-9-9-9-9.compute-1.amazonaws.com&dbname=other', 'ec2-9-9-9-9.compute-1.amazonaws.com:5432/other'],
    ['postgres://user:pa/ss@ec2-1-2-3-4.compute-1.amazonaws.com:5433/dprod', 'ec2-1-2-3-4.compute-1.amazonaws.com:5433/dprod'],
    ['jdbc:postgresql://ec2-1-2-3-4.compute-1.amazonaws.com:5432/dprod?user=u&password=pw', 'ec2-1-2-3-4.compute-1.amazonaws.com:5432/dprod'],
    ['host=ec2-1-2-3-4.compute-1.amazonaws.com port=5432 dbname=dprod user=u password=pw', 'ec2-1-2-3-4.compute-1.amazonaws.com:5432/dprod'],
  ]
  for (const [url, expected] of cases) {
    it(expected, function () {
      const shown = hostAndDatabase(url)
      expect(shown).to.equal(expected)
      expect(shown).not.to.match(/pw|pa\/ss/)
    })
  }
})
