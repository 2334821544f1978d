await import('@heroku-cli/command')
for (const m of process.argv.slice(2)) {
  const t0 = performance.now()
  await import(m)
  console.log(m, 'extra ms', (performance.now() - t0).toFixed(0))
}
