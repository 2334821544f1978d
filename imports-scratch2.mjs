import {createRequire} from 'node:module'
const require = createRequire(import.meta.url)
const t0 = performance.now()
await import(process.argv[2])
console.log('ms', (performance.now() - t0).toFixed(0))
const counts = {}
for (const key of Object.keys(require.cache)) {
  const m = /node_modules\/((?:@[^/]+\/)?[^/]+)/.exec(key.split('node_modules/').slice(-1).map(x => 'node_modules/' + x)[0])
  const pkg = m ? m[1] : key
  counts[pkg] = (counts[pkg] ?? 0) + 1
}
console.log(Object.entries(counts).sort((a, b) => b[1] - a[1]).map(([k, v]) => `${k}:${v}`).join(' '))
