const Module = require('module')
const orig = Module._load
const seen = new Set()
Module._load = function (request, parent, isMain) {
  if (/opentelemetry|yaml$|^semver/.test(request) && !seen.has(request)) { seen.add(request); console.log(request, '<=', parent && parent.filename) }
  return orig.apply(this, arguments)
}
import(process.argv[2]).then(() => console.log('done'))
