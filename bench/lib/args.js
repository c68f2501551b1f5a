'use strict'
// `--key value`, `--key=value` and bare `--flag` into an object (camelCased keys).
function parseArgs(argv, defaults = {}) {
  const out = { ...defaults, _: [] }
  for (let i = 0; i < argv.length; i++) {
    const a = argv[i]
    if (!a.startsWith('--')) {
      out._.push(a)
      continue
    }
    let [k, v] = a.slice(2).split(/=(.*)/s)
    k = k.replace(/-([a-z])/g, (_, c) => c.toUpperCase())
    if (v === undefined) {
      if (k.startsWith('no') && k.length > 2 && /[A-Z]/.test(k[2])) {
        out[k[2].toLowerCase() + k.slice(3)] = false
        continue
      }
      const next = argv[i + 1]
      if (next !== undefined && !next.startsWith('--')) {
        v = next
        i++
      } else v = true
    }
    out[k] = v
  }
  return out
}

function list(v) {
  if (v === undefined || v === true) return undefined
  return String(v)
    .split(',')
    .map((s) => s.trim())
    .filter(Boolean)
}

module.exports = { parseArgs, list }
