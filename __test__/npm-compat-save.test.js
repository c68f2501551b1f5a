'use strict'
// What `add <spec>` saves in package.json, against what npm 11 and npm 12 save for the same
// spec on the same registry (reify's rule: `^<picked>` unless a range does not contain it).

const assert = require('node:assert/strict')
const fs = require('node:fs')
const path = require('node:path')
const { test, before, after } = require('node:test')

require('./helpers/isolate-config')

const { runCli } = require('..')
const { startRegistry, pkg } = require('./helpers/registry')
const { NPMS, assertNpmsInstalled, makeTree, npmRun, entries } = require('./helpers/npm-compat')

let registry
before(async () => {
  assertNpmsInstalled()
  registry = await startRegistry([pkg('dep-a', '1.0.0'), pkg('dep-a', '1.4.0'), pkg('@s/x', '1.2.3'), pkg('@s/x', '1.3.0')])
})
after(() => registry.close())

const specs = ['dep-a', 'dep-a@1.0.0', 'dep-a@^1', 'dep-a@>=1.0.0 <1.5.0', 'dep-a@~1.4', 'dep-a@1.x', 'dep-a@latest', '@s/x@1.2.3', 'al@npm:dep-a@^1']

const saved = (dir) => JSON.parse(fs.readFileSync(path.join(dir, 'package.json'), 'utf8')).dependencies

for (const spec of specs) {
  test(`add ${spec} saves what npm saves`, async (t) => {
    const ours = makeTree({ 'package.json': {} })
    t.after(() => ours.cleanup())
    const code = await runCli(['install', spec, '--lockfile-only', '-C', ours.dir, '--registry', registry.url, '--cache-dir', ours.cache, '--reporter', 'silent'])
    assert.equal(code, 0)
    for (const npm of NPMS) {
      const theirs = makeTree({ 'package.json': {} })
      t.after(() => theirs.cleanup())
      const r = await npmRun(npm, ['install', '--package-lock-only', spec], theirs, registry)
      assert.equal(r.status, 0, r.out)
      assert.deepEqual(saved(ours.dir), saved(theirs.dir), npm.label)
      // `x@1.2.3` saves `^1.2.3` but locks 1.2.3, whatever newer `^1.2.3` allows.
      assert.deepEqual(entries(ours), entries(theirs), npm.label)
    }
  })
}
