const t0 = performance.now()
const target = process.argv[2]
await import(target)
const t1 = performance.now()
console.log('import ms', (t1 - t0).toFixed(0))
