'use strict'
// `utoo dedupe` against `npm dedupe` (npm 11 and npm 12) on trees that grew duplicates over
// time (a pin dropped after another package nested a newer copy): the same lockfile after,
// `npm ls --all` clean on utoo's tree, and package.json untouched.

const assert = require('node:assert/strict')
const fs = require('node:fs')
const path = require('node:path')
const { test, before, after } = require('node:test')

require('./helpers/isolate-config')

const { install } = require('..')
const { startRegistry, pkg } = require('./helpers/registry')
const { NPMS, assertNpmsInstalled, makeTree, npmRun, entries, lockText } = require('./helpers/npm-compat')
const { utoo } = require('./helpers/cli')


let registry
before(async () => {
  assertNpmsInstalled()
  registry = await startRegistry([
    pkg('shared', '1.0.0'),
    pkg('shared', '1.1.0'),
    pkg('shared', '2.0.0'),
    pkg('loose', '1.0.0', { dependencies: { shared: '^1.0.0' } }),
    pkg('strict', '1.0.0', { dependencies: { shared: '^1.1.0' } }),
    pkg('major', '1.0.0', { dependencies: { shared: '^2' } }),
    pkg('deep', '1.0.0', { dependencies: { strict: '^1' } }),
  ])
})
after(() => registry.close())


// First installed with `shared` pinned at the root beside `first`, whose packages need more
// and nest their own copy; then the pin dropped for `loose`, which the root's copy serves, so
// the lockfile still stands and the duplicate stays until a dedupe.
const shapes = {
  'a nested copy the root can serve': { first: { strict: '1' }, copies: [2, 1] },
  'a nested copy two levels down': { first: { deep: '1' }, copies: [2, 1] },
  'copies of different majors stay': { first: { strict: '1', major: '1' }, copies: [3, 2] },
}

const copiesOfShared = (project) => Object.keys(entries(project)).filter((k) => k.endsWith('node_modules/shared')).length

for (const [name, { first, copies }] of Object.entries(shapes)) {
  test(`dedupe agrees with npm 11 and npm 12: ${name}`, async (t) => {
    const grown = makeTree({ 'package.json': { dependencies: { shared: '1.0.0', ...first } } })
    t.after(() => grown.cleanup())
    const opts = { cwd: grown.dir, registry: registry.url, cacheDir: grown.cache }
    await install(opts)
    const manifest = path.join(grown.dir, 'package.json')
    const pkgJson = JSON.parse(fs.readFileSync(manifest, 'utf8'))
    delete pkgJson.dependencies.shared
    pkgJson.dependencies.loose = '1'
    fs.writeFileSync(manifest, JSON.stringify(pkgJson, null, 2) + '\n')
    await install(opts)
    const before = fs.readFileSync(manifest, 'utf8')
    assert.equal(copiesOfShared(grown), copies[0], 'the tree grew its duplicate')
    for (const npm of NPMS) {
      await t.test(npm.label, async () => {
        const ours = { ...grown, dir: `${grown.dir}-${npm.label.replace(' ', '')}-utoo` }
        const theirs = { ...grown, dir: `${grown.dir}-${npm.label.replace(' ', '')}-npm` }
        for (const copy of [ours, theirs]) {
          fs.cpSync(grown.dir, copy.dir, { recursive: true, verbatimSymlinks: true })
          t.after(() => fs.rmSync(copy.dir, { recursive: true, force: true }))
        }
        const a = await utoo(ours.dir, ['dedupe', '--registry', registry.url, '--cache-dir', grown.cache])
        assert.equal(a.status, 0, a.out)
        const b = await npmRun(npm, ['dedupe'], theirs, registry)
        assert.equal(b.status, 0, b.out)
        assert.deepEqual(entries(ours), entries(theirs))
        assert.equal(lockText(ours), lockText(theirs))
        assert.equal(copiesOfShared(ours), copies[1])
        assert.equal(fs.readFileSync(path.join(ours.dir, 'package.json'), 'utf8'), before)
        const ls = await npmRun(npm, ['ls', '--all'], ours, registry)
        assert.equal(ls.status, 0, ls.out)
        assert.doesNotMatch(ls.stdout, /invalid|missing|extraneous/i, ls.out)
      })
    }
  })
}
