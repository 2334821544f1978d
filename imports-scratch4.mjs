await import('@heroku-cli/command')
const t0 = performance.now()
await import(process.argv[2])
console.log(process.argv[2], 'extra ms', (performance.now() - t0).toFixed(0))
