// Loaded with NODE_OPTIONS=--require by bench/audit.ts: at exit, appends this process's CPU time
// (user + system, ms) to the file BENCH_CPU_FILE names, so a loaded machine's wait for a core can be told apart.
const file = process.env.BENCH_CPU_FILE
if (file) {
  process.on('exit', () => {
    const usage = process.resourceUsage()
    require('node:fs').appendFileSync(file, `${((usage.userCPUTime + usage.systemCPUTime) / 1000).toFixed(1)}\n`)
  })
}
