/**
 * The add-on marketplace the emulator offers: services, their plans (with realistic prices and
 * limits) and what each add-on exposes as config vars.
 */

import {createHash, randomBytes} from 'node:crypto'

export const POSTGRES = 'heroku-postgresql'
export const REDIS = 'heroku-redis'

export interface PlanSpec {
  /** monthly price in cents */
  cents: number
  /** Postgres: connection limit */
  connections?: number
  default?: boolean
  description: string
  humanName: string
  /** `essential-0` */
  slug: string
  /** Postgres: storage limit in bytes */
  storageBytes?: number
  /** Postgres: the tier, which decides what the plan refuses (see `postgresTier`) */
  tier?: PostgresTier
}

/** Heroku Postgres tiers: Essential has no credentials, pooling, forks or followers; Shield no PGBackups; Advanced has its own API. */
export type PostgresTier = 'advanced' | 'essential' | 'premium' | 'private' | 'shield' | 'standard'


export interface ServiceSpec {
  /** the attachment name picked when none is given and it is free on the app */
  defaultAttachment: string
  /** prefix of the colour names: `HEROKU_POSTGRESQL` → `HEROKU_POSTGRESQL_ROSE` */
  colorPrefix?: string
  humanName: string
  /** prefix of generated add-on names: `postgresql` → `postgresql-shaped-12345` */
  namePrefix: string
  name: string
  plans: PlanSpec[]
  supportsSharing: boolean
}

const GB = 1024 ** 3

export const SERVICES: ServiceSpec[] = [
  {
    colorPrefix: 'HEROKU_POSTGRESQL',
    defaultAttachment: 'DATABASE',
    humanName: 'Heroku Postgres',
    name: POSTGRES,
    namePrefix: 'postgresql',
    plans: [
      {cents: 500, connections: 20, default: true, description: 'Heroku Postgres Essential 0', humanName: 'Essential 0', slug: 'essential-0', storageBytes: 1 * GB, tier: 'essential'},
      {cents: 900, connections: 20, description: 'Heroku Postgres Essential 1', humanName: 'Essential 1', slug: 'essential-1', storageBytes: 10 * GB, tier: 'essential'},
      {cents: 2000, connections: 40, description: 'Heroku Postgres Essential 2', humanName: 'Essential 2', slug: 'essential-2', storageBytes: 32 * GB, tier: 'essential'},
      {cents: 5000, connections: 120, description: 'Heroku Postgres Standard 0', humanName: 'Standard 0', slug: 'standard-0', storageBytes: 64 * GB, tier: 'standard'},
      {cents: 20_000, connections: 400, description: 'Heroku Postgres Standard 2', humanName: 'Standard 2', slug: 'standard-2', storageBytes: 256 * GB, tier: 'standard'},
      {cents: 35_000, connections: 120, description: 'Heroku Postgres Premium 0', humanName: 'Premium 0', slug: 'premium-0', storageBytes: 64 * GB, tier: 'premium'},
      {cents: 45_000, connections: 120, description: 'Heroku Postgres Private 0', humanName: 'Private 0', slug: 'private-0', storageBytes: 64 * GB, tier: 'private'},
      {cents: 60_000, connections: 120, description: 'Heroku Postgres Shield 0', humanName: 'Shield 0', slug: 'shield-0', storageBytes: 64 * GB, tier: 'shield'},
      // Advanced is priced by its pools' levels; the plan itself carries no size.
      {cents: 0, connections: 400, description: 'Heroku Postgres Advanced', humanName: 'Advanced', slug: 'advanced', storageBytes: 128 * 1024 * GB, tier: 'advanced'},
      {cents: 0, connections: 400, description: 'Heroku Postgres Advanced Private', humanName: 'Advanced Private', slug: 'advanced-private', storageBytes: 128 * 1024 * GB, tier: 'advanced'},
      {cents: 0, connections: 400, description: 'Heroku Postgres Advanced Shield', humanName: 'Advanced Shield', slug: 'advanced-shield', storageBytes: 128 * 1024 * GB, tier: 'advanced'},
    ],
    supportsSharing: true,
  },
  {
    colorPrefix: 'HEROKU_REDIS',
    defaultAttachment: 'REDIS',
    humanName: 'Heroku Key-Value Store',
    name: REDIS,
    namePrefix: 'redis',
    plans: [
      {cents: 300, default: true, description: 'Heroku Key-Value Store Mini', humanName: 'Mini', slug: 'mini'},
      {cents: 1500, description: 'Heroku Key-Value Store Premium 0', humanName: 'Premium 0', slug: 'premium-0'},
      {cents: 6000, description: 'Heroku Key-Value Store Premium 2', humanName: 'Premium 2', slug: 'premium-2'},
    ],
    supportsSharing: true,
  },
  {
    defaultAttachment: 'SCHEDULER',
    humanName: 'Heroku Scheduler',
    name: 'scheduler',
    namePrefix: 'scheduler',
    plans: [{cents: 0, default: true, description: 'Heroku Scheduler Standard', humanName: 'Standard', slug: 'standard'}],
    supportsSharing: false,
  },
  {
    defaultAttachment: 'MAILGUN',
    humanName: 'Mailgun',
    name: 'mailgun',
    namePrefix: 'mailgun',
    plans: [
      {cents: 0, default: true, description: 'Mailgun Starter', humanName: 'Starter', slug: 'starter'},
      {cents: 3500, description: 'Mailgun Foundation', humanName: 'Foundation', slug: 'foundation'},
    ],
    supportsSharing: true,
  },
]

/** Postgres majors the catalog offers, and the full version each reports in `PG Version`. */
export const POSTGRES_VERSIONS: Record<string, string> = {14: '14.15', 15: '15.10', 16: '16.6', 17: '17.2'}
export const DEFAULT_POSTGRES_VERSION = '16'

/** Heroku's colour names for automatically named attachments. */
export const COLORS = [
  'AMBER', 'AQUA', 'BLACK', 'BLUE', 'BRONZE', 'BROWN', 'CHARCOAL', 'COBALT', 'COPPER', 'CRIMSON', 'CYAN', 'GOLD',
  'GRAY', 'GREEN', 'IVORY', 'JADE', 'LIME', 'MAROON', 'MAUVE', 'NAVY', 'OLIVE', 'ONYX', 'ORANGE', 'PINK', 'PUCE',
  'PURPLE', 'RED', 'ROSE', 'SILVER', 'TEAL', 'VIOLET', 'WHITE', 'YELLOW',
]

const ADJECTIVES = [
  'shaped', 'curved', 'silent', 'rugged', 'clear', 'fluffy', 'tapered', 'solid', 'asymmetrical', 'cubic', 'deep',
  'flat', 'round', 'slippery', 'spherical', 'triangular', 'vertical', 'angular', 'concentric', 'elliptical',
]

/** A stable uuid derived from a string, so catalog ids do not change across restarts. */
export function stableId(seed: string): string {
  const hex = createHash('sha256').update(seed).digest('hex')
  return `${hex.slice(0, 8)}-${hex.slice(8, 12)}-4${hex.slice(13, 16)}-a${hex.slice(17, 20)}-${hex.slice(20, 32)}`
}

export function serviceByName(name: string): ServiceSpec | undefined {
  return SERVICES.find(s => s.name === name || stableId(`service:${s.name}`) === name)
}

/** Resolves `service:plan`, `service` (its default plan) or a plan id. */
export function resolvePlan(ref: string): {plan: PlanSpec; service: ServiceSpec} | undefined {
  for (const service of SERVICES) {
    for (const plan of service.plans) {
      if (ref === `${service.name}:${plan.slug}` || ref === stableId(`plan:${service.name}:${plan.slug}`)) return {plan, service}
    }
  }

  const service = serviceByName(ref)
  const plan = service?.plans.find(p => p.default)
  return service && plan ? {plan, service} : undefined
}

/** The tier of a `heroku-postgresql:<plan>` (undefined for other services). */
export function postgresTier(servicePlan: string): PostgresTier | undefined {
  const resolved = resolvePlan(servicePlan)
  return resolved?.service.name === POSTGRES ? resolved.plan.tier : undefined
}

/** Shield databases cannot use PGBackups (no transfers, no backups): `shield-*` and `advanced-shield`. */
export function isShieldPlan(servicePlan: string): boolean {
  return servicePlan.startsWith(`${POSTGRES}:`) && servicePlan.includes('shield')
}

/** Advanced compute levels (`data:pg:create --level`), as `GET /data/postgres/v1/levels/advanced` lists them. */
export const ADVANCED_LEVELS = [
  {connection_limit: 400, memory_in_gb: 4, name: '4G-Performance', vcpu: 1},
  {connection_limit: 800, memory_in_gb: 8, name: '8G-Performance', vcpu: 2},
  {connection_limit: 1600, memory_in_gb: 16, name: '16G-Performance', vcpu: 4},
]
export const DEFAULT_ADVANCED_LEVEL = '4G-Performance'

export function randomAddonName(service: ServiceSpec, taken: (name: string) => boolean): string {
  for (;;) {
    const adjective = ADJECTIVES[randomBytes(1)[0]! % ADJECTIVES.length]
    const number = 10_000 + (randomBytes(2).readUInt16BE(0) % 90_000)
    const name = `${service.namePrefix}-${adjective}-${number}`
    if (!taken(name)) return name
  }
}

function token(bytes: number): string {
  return randomBytes(bytes).toString('hex')
}

/**
 * Config an add-on exposes, keyed by suffix: attached as `NAME` it shows up as `NAME_<suffix>`.
 * Postgres gets its real URL once the database exists, so it is not produced here.
 */
export function nonPostgresConfig(service: ServiceSpec, addonName: string): Record<string, string> {
  switch (service.name) {
  case REDIS: {
    const password = token(16)
    const port = 10_000 + (randomBytes(2).readUInt16BE(0) % 50_000)
    return {
      TLS_URL: `rediss://:${password}@${addonName}.redis.emulator.invalid:${port + 1}`,
      URL: `redis://:${password}@${addonName}.redis.emulator.invalid:${port}`,
    }
  }

  case 'mailgun': {
    return {
      API_KEY: `key-${token(16)}`,
      DOMAIN: `${addonName}.mailgun.emulator.invalid`,
      PUBLIC_KEY: `pubkey-${token(16)}`,
      SMTP_LOGIN: `postmaster@${addonName}.mailgun.emulator.invalid`,
      SMTP_PASSWORD: token(12),
      SMTP_PORT: '587',
      SMTP_SERVER: 'smtp.mailgun.emulator.invalid',
    }
  }

  default: {
    return {}
  }
  }
}
