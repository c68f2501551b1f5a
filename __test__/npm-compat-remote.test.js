'use strict'
// Tarball-URL dependencies against npm 11 and npm 12: refused by default as npm 12 refuses
// them (allow-remote=none), and with `allow-remote=all` the same lockfile as both npms.

const assert = require('node:assert/strict')
const { test, before, after } = require('node:test')

require('./helpers/isolate-config')

const { install } = require('..')
const { startRegistry, pkg } = require('./helpers/registry')
const { NPMS, assertNpmsInstalled, agreeWithNpm, makeTree, npmRun } = require('./helpers/npm-compat')

let registry
before(async () => {
  assertNpmsInstalled()
  registry = await startRegistry([pkg('rem', '1.2.3', { dependencies: { leaf: '^1' } }), pkg('leaf', '1.0.0')])
})
after(() => registry.close())

const files = () => ({ 'package.json': { dependencies: { rem: `${registry.url}rem/-/rem-1.2.3.tgz` } } })

test('a tarball URL is refused by default, as npm 12 refuses it', async (t) => {
  const project = makeTree(files())
  t.after(() => project.cleanup())
  await assert.rejects(install({ cwd: project.dir, registry: registry.url, cacheDir: project.cache }), (e) => {
    assert.equal(e.code, 'EALLOWREMOTE')
    return true
  })
  const npm12 = NPMS.find((n) => n.label === 'npm 12')
  const r = await npmRun(npm12, ['install', '--package-lock-only'], project, registry)
  assert.notEqual(r.status, 0)
  assert.match(r.out, /EALLOWREMOTE/)
})

test('agrees with npm 11 and npm 12 with allow-remote=all: a tarball URL', async (t) => {
  await agreeWithNpm(t, {
    registry,
    files: files(),
    utoo: { config: { 'allow-remote': 'all' } },
    env: { npm_config_allow_remote: 'all' },
  })
})
