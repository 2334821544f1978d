import {expect} from 'chai'
import {execFile} from 'node:child_process'
import path from 'node:path'
import {fileURLToPath, pathToFileURL} from 'node:url'

/**
 * The hook runs before every command the CLI runs. For an unguarded command it must load nothing but its
 * own file and the dependency-free id list: checked in a fresh node process with a module-resolution probe.
 */

const ROOT = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '../../..')

// Reports every module resolved from the repository's src/ or any node_modules package.
const PROBE = `data:text/javascript,${encodeURIComponent(`
import {register} from 'node:module'
register('data:text/javascript,' + encodeURIComponent(\`
export async function resolve(specifier, context, next) {
  const result = await next(specifier, context)
  if (result.url.includes('/src/') || result.url.includes('/node_modules/') && !result.url.includes('/node_modules/tsx/')) process.stderr.write('LOADED ' + result.url + '\\\\n')
  return result
}\`))`)}`

async function loadedBy(script: string): Promise<string[]> {
  return new Promise((resolve, reject) => {
    execFile(process.execPath, ['--import', 'tsx', '--import', PROBE, '--input-type=module', '-e', script], {cwd: ROOT}, (error, _stdout, stderr) => {
      if (error) {
        reject(new Error(`${error.message}\n${stderr}`))
        return
      }

      const root = pathToFileURL(ROOT).href + '/'
      resolve([...new Set(stderr.split('\n').filter(line => line.startsWith('LOADED ')).map(line => line.slice(7).replace(root, '')))].sort())
    })
  })
}

describe('hook cost for unguarded commands', function () {
  this.timeout(60_000)
  const hook = JSON.stringify(pathToFileURL(path.join(ROOT, 'src/hooks/prerun/guard.ts')).href)

  it('loads only the hook, the id list and the interceptor, and returns without calling anything', async function () {
    const loaded = await loadedBy(`
      const {default: hook} = await import(${hook})
      const config = new Proxy({plugins: new Map([['heroku-staging', {root: ${JSON.stringify(ROOT)}}]]), root: ${JSON.stringify(ROOT)}}, {get(target, key) { if (key === 'root' || key === 'plugins') return target[key]; throw new Error('the hook touched this.config.' + String(key)) }})
      const context = new Proxy({}, {get(_, key) { if (key === 'config') return config; throw new Error('the hook touched this.' + String(key)) }})
      for (const id of ['apps', 'apps:info', 'pg:info', 'pg:pull', 'config:get', 'data:pg:info', 'staging:audit', 'help', 'version']) {
        await hook.call(context, {Command: {id}, argv: ['-a', 'acme-production']})
      }`)
    // The interceptor (dependency-free) is installed for every command; the checker loads on a mutating request only.
    expect(loaded).to.deep.equal(['src/hooks/prerun/guard.ts', 'src/lib/hook/ids.ts', 'src/lib/hook/intercept.ts'])
  })

  it('the probe sees the guard being loaded for a guarded command (so the check above can fail)', async function () {
    const loaded = await loadedBy(`
      const {default: hook} = await import(${hook})
      const context = {config: {configDir: '/nonexistent', root: '/nonexistent'}, error(message) { throw new Error(message) }, warn() {}}
      try { await hook.call(context, {Command: {id: 'pg:reset', flags: {}}, argv: ['--prompt', '-a', 'acme-production']}) } catch {}`)
    expect(loaded).to.include('src/lib/hook/run.ts')
    expect(loaded).to.include('src/lib/classify/classify.ts')
    expect(loaded.some(url => url.includes('node_modules/@heroku-cli/command'))).to.equal(true)
  })
})
