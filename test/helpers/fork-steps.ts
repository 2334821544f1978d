/**
 * The mutating requests a fork of the seed incident's production sends, shared by the e2e test (which
 * checks the list against a real run on the emulator and interrupts a few of them) and the unit
 * matrix (which interrupts every one against test/helpers/fake-heroku.ts and checks that the fake's
 * clean run sends this same list, so the fake cannot drift from the emulator).
 */

/** A mutating request as a fault rule: its method, its path pattern with ids wildcarded, and which matching request it is. */
export interface StepRule {
  method: string
  /** 1-based: the Nth request matching method and path */
  nth: number
  /** a RegExp source matched against the path */
  path: string
}

export const MUTATING_STEPS: ReadonlyArray<StepRule & {step: string}> = [
  {method: 'POST', nth: 1, path: '^/apps$', step: 'create the app'},
  {method: 'PATCH', nth: 1, path: '^/apps/[^/]+/config-vars$', step: 'set the fork marker'},
  {method: 'PUT', nth: 1, path: '^/apps/[^/]+/buildpack-installations$', step: 'set the buildpacks'},
  {method: 'PATCH', nth: 2, path: '^/apps/[^/]+/config-vars$', step: 'copy the config vars'},
  {method: 'POST', nth: 1, path: '^/apps/[^/]+/addons$', step: 'provision the 1st add-on'},
  {method: 'POST', nth: 2, path: '^/apps/[^/]+/addons$', step: 'provision the 2nd add-on'},
  {method: 'POST', nth: 3, path: '^/apps/[^/]+/addons$', step: 'provision the 3rd add-on'},
  {method: 'POST', nth: 4, path: '^/apps/[^/]+/addons$', step: 'provision the 4th add-on'},
  {method: 'POST', nth: 1, path: '^/pipeline-couplings$', step: 'couple to the pipeline'},
  {method: 'POST', nth: 1, path: '^/client/v11/databases/[^/]+/transfers$', step: 'start the data transfer'},
  // After the audit passed (issue 26: no dyno runs before it), never before: the release, then the scale.
  {method: 'POST', nth: 1, path: '^/apps/[^/]+/releases$', step: 'release the slug once the audit passed'},
  {method: 'PATCH', nth: 1, path: '^/apps/[^/]+/formation$', step: 'scale the formation once the audit passed'},
]

const UUID = /[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}/g

/** Requests, in the order sent, as the fault rules that pick each one out: ids wildcarded, each the Nth of its pattern. */
export function stepRules(requests: ReadonlyArray<{method: string; path: string}>): StepRule[] {
  const seen = new Map<string, number>()
  return requests.map(request => {
    const path = `^${request.path.replace(/\?.*$/, '').replace(UUID, '[^/]+')}$`
    const key = `${request.method} ${path}`
    seen.set(key, (seen.get(key) ?? 0) + 1)
    return {method: request.method, nth: seen.get(key) ?? 1, path}
  })
}

/** A rule as one comparable line: `POST ^/apps$ #1`. */
export function ruleLine(rule: StepRule): string {
  return `${rule.method} ${rule.path} #${rule.nth}`
}

/** Requests as sorted rule lines, to compare with MUTATING_STEPS whatever order concurrent steps ran in. */
export function asRules(requests: ReadonlyArray<{method: string; path: string}>): string[] {
  return stepRules(requests).map(rule => ruleLine(rule)).sort()
}

/** The name MUTATING_STEPS gives a rule, if it lists it. */
export function stepName(rule: StepRule): string | undefined {
  return MUTATING_STEPS.find(step => ruleLine(step) === ruleLine(rule))?.step
}
