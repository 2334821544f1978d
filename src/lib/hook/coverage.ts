/**
 * How each command of the pinned stock CLI (heroku 11.10.0) is guarded, for the commands that do
 * something OUTSIDE the API client the effect guard intercepts: spawn a process, open a socket, or run SQL
 * with a database's credentials. Every other command sends its writes through that client, so every write
 * it makes is classified into an effect before it is sent (lib/hook/effect-guard.ts): it is covered by
 * effects whatever it is called. test/unit/hook/coverage.test.ts reads the pinned CLI's manifest (aliases
 * included), finds the commands that reach outside the client, and fails on any not listed here.
 *
 * - `local`: what it does outside the API touches this machine only (git, docker, an editor, a browser, a
 *   download), or reads Heroku; its Heroku writes go through the client (effects).
 * - `command-level`: checked by the prerun hook's command-level checks (lib/hook/ids.ts).
 * - `unguarded`: runs code or SQL the guard cannot see (a one-off dyno, psql). Only the request that starts
 *   it is checked, and it is not an effect. Listed so that none is missed; see the README.
 */
export type Coverage = 'command-level' | 'local' | 'unguarded'

export const OUTSIDE_THE_CLIENT: Readonly<Record<string, {coverage: Coverage; why: string}>> = {
  'apps:create': {coverage: 'local', why: 'adds a git remote'},
  'apps:destroy': {coverage: 'local', why: 'removes git remotes; the destroy itself is an effect (and a command-level check)'},
  'apps:rename': {coverage: 'local', why: 'renames git remotes'},
  'auth:login': {coverage: 'local', why: 'git credential helper'},
  'auth:logout': {coverage: 'local', why: 'git credential helper'},
  buildpacks: {coverage: 'local', why: 'reads the buildpack registry'},
  'buildpacks:add': {coverage: 'local', why: 'reads the buildpack registry'},
  'buildpacks:clear': {coverage: 'local', why: 'reads the buildpack registry'},
  'buildpacks:remove': {coverage: 'local', why: 'reads the buildpack registry'},
  'buildpacks:set': {coverage: 'local', why: 'reads the buildpack registry'},
  'certs:generate': {coverage: 'local', why: 'runs openssl locally'},
  ci: {coverage: 'local', why: 'streams test output'},
  'ci:debug': {coverage: 'unguarded', why: 'a one-off test dyno runs whatever is typed'},
  'ci:info': {coverage: 'local', why: 'streams test output'},
  'ci:last': {coverage: 'local', why: 'streams test output'},
  'ci:rerun': {coverage: 'local', why: 'reads git'},
  'ci:run': {coverage: 'local', why: 'reads git'},
  'config:edit': {coverage: 'local', why: 'opens an editor; the write is an effect (config var write)'},
  console: {coverage: 'unguarded', why: 'a one-off dyno runs whatever is typed'},
  'container:login': {coverage: 'local', why: 'docker login'},
  'container:logout': {coverage: 'local', why: 'docker logout'},
  'container:pull': {coverage: 'local', why: 'docker pull'},
  'container:push': {coverage: 'local', why: 'pushes an image; nothing runs it until container:release (an API write)'},
  'container:run': {coverage: 'local', why: 'docker run locally'},
  dashboard: {coverage: 'local', why: 'opens a browser'},
  'data:pg:credentials:create': {coverage: 'local', why: 'prints a psql command; the credential is created through the API'},
  'data:pg:psql': {coverage: 'unguarded', why: 'psql runs any SQL with the credential'},
  'git:clone': {coverage: 'local', why: 'git clone'},
  'git:remote': {coverage: 'local', why: 'git remote'},
  'keys:add': {coverage: 'local', why: 'reads a local key'},
  local: {coverage: 'local', why: 'runs the app locally'},
  'local:run': {coverage: 'local', why: 'runs a command locally'},
  'local:version': {coverage: 'local', why: 'prints a version'},
  logs: {coverage: 'local', why: 'streams logs'},
  'mcp:start': {coverage: 'local', why: 'the MCP server runs heroku commands as child processes, each guarded by its own prerun hook'},
  'pg:backups:download': {coverage: 'local', why: 'downloads a backup'},
  'pg:bloat': {coverage: 'local', why: 'a read-only query'},
  'pg:blocking': {coverage: 'local', why: 'a read-only query'},
  'pg:credentials:create': {coverage: 'local', why: 'prints a psql command; the credential is created through the API'},
  'pg:cache-hit': {coverage: 'local', why: 'a read-only query'},
  'pg:calls': {coverage: 'local', why: 'a read-only query'},
  'pg:diagnose': {coverage: 'local', why: 'read-only queries'},
  'pg:extensions': {coverage: 'local', why: 'a read-only query'},
  'pg:fdwsql': {coverage: 'local', why: 'prints SQL'},
  'pg:index-size': {coverage: 'local', why: 'a read-only query'},
  'pg:index-usage': {coverage: 'local', why: 'a read-only query'},
  'pg:kill': {coverage: 'unguarded', why: 'terminates a query on the database (pg_cancel/terminate_backend)'},
  'pg:locks': {coverage: 'local', why: 'a read-only query'},
  'pg:long-running-queries': {coverage: 'local', why: 'a read-only query'},
  'pg:mandelbrot': {coverage: 'local', why: 'a read-only query'},
  'pg:outliers': {coverage: 'unguarded', why: '--reset resets pg_stat_statements (statistics, not data)'},
  'pg:ps': {coverage: 'local', why: 'a read-only query'},
  'pg:psql': {coverage: 'unguarded', why: 'psql runs any SQL with the credential'},
  'pg:pull': {coverage: 'local', why: 'reads the Heroku database, writes a local one'},
  'pg:push': {coverage: 'command-level', why: 'pg_restore writes the Heroku database directly: the command-level check refuses a production target'},
  'pg:records-rank': {coverage: 'local', why: 'a read-only query'},
  'pg:seq-scans': {coverage: 'local', why: 'a read-only query'},
  'pg:stats-reset': {coverage: 'local', why: 'resets statistics through the API (its helpers also hold psql queries)'},
  'pg:table-indexes-size': {coverage: 'local', why: 'a read-only query'},
  'pg:table-size': {coverage: 'local', why: 'a read-only query'},
  'pg:total-index-size': {coverage: 'local', why: 'a read-only query'},
  'pg:total-table-size': {coverage: 'local', why: 'a read-only query'},
  'pg:unused-indexes': {coverage: 'local', why: 'a read-only query'},
  'pg:user-connections': {coverage: 'local', why: 'a read-only query'},
  'pg:vacuum-stats': {coverage: 'local', why: 'a read-only query'},
  'pipelines:promote': {coverage: 'local', why: 'streams release output; the promotion is an API write'},
  'ps:copy': {coverage: 'local', why: 'copies a file from a dyno'},
  'ps:exec': {coverage: 'unguarded', why: 'an SSH session in a dyno runs whatever is typed'},
  'ps:forward': {coverage: 'local', why: 'forwards a port from a dyno'},
  'ps:socks': {coverage: 'local', why: 'a SOCKS proxy through a dyno'},
  rake: {coverage: 'unguarded', why: 'a one-off dyno runs the task'},
  run: {coverage: 'unguarded', why: 'a one-off dyno runs whatever is typed'},
  'run:detached': {coverage: 'unguarded', why: 'a one-off dyno runs whatever is typed'},
  'run:inside': {coverage: 'unguarded', why: 'runs whatever is typed in a dyno'},
}
