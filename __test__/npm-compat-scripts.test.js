'use strict'
// npm 12's install-script policy, utoo against npm 12 itself on the same project: the same
// dependencies' scripts run (a name, a pin, a range (npm 12 ignores those), a pin to another
// version, a `false` over an allow, an unlisted package, a nested one), each leaving a marker.

const assert = require('node:assert/strict')
const fs = require('node:fs')
const path = require('node:path')
const { test, before, after } = require('node:test')

require('./helpers/isolate-config')

const { install } = require('..')
const { startRegistry, pkg } = require('./helpers/registry')
const { NPMS, assertNpmsInstalled, makeTree, npmRun } = require('./helpers/npm-compat')

const npm12 = NPMS.find((n) => n.label === 'npm 12')
// Each script drops `ran-<event>` in its package folder (node, so no shell quirks).
const mark = (event) => `node -e "require('fs').writeFileSync('ran-${event}', '')"`
const scripted = (name, version, events = ['postinstall'], extra = {}) =>
  pkg(name, version, { scripts: Object.fromEntries(events.map((e) => [e, mark(e)])), ...extra })

let registry
before(async () => {
  assertNpmsInstalled()
  registry = await startRegistry([
    scripted('by-name', '1.0.0', ['preinstall', 'install', 'postinstall']),
    scripted('pinned', '2.1.0'),
    scripted('ranged', '3.4.0'),
    scripted('wrong-pin', '1.0.0'),
    scripted('denied', '1.0.0'),
    scripted('unlisted', '1.0.0'),
    scripted('nested-dep', '1.0.0'),
    pkg('holder', '1.0.0', { dependencies: { 'nested-dep': '1' } }),
  ])
})
after(() => registry.close())

const allowScripts = {
  'by-name': true,
  'pinned@2.1.0': true,
  'ranged@^3': true,
  'wrong-pin@0.9.0': true,
  denied: false,
  'denied@1.0.0': true,
  'nested-dep': true,
}
const dependencies = { 'by-name': '1', pinned: '2', ranged: '3', 'wrong-pin': '1', denied: '1', unlisted: '1', holder: '1' }

function markers(dir) {
  const out = []
  const walk = (d) => {
    for (const e of fs.readdirSync(d, { withFileTypes: true })) {
      const p = path.join(d, e.name)
      if (e.isDirectory()) walk(p)
      else if (e.name.startsWith('ran-')) out.push(path.relative(dir, p))
    }
  }
  walk(path.join(dir, 'node_modules'))
  return out.sort()
}

test('the scripts npm 12 runs under allowScripts are the ones utoo runs', async (t) => {
  const ours = makeTree({ 'package.json': { dependencies, allowScripts } })
  const theirs = makeTree({ 'package.json': { dependencies, allowScripts } })
  t.after(() => ours.cleanup())
  t.after(() => theirs.cleanup())
  const summary = await install({ cwd: ours.dir, registry: registry.url, cacheDir: ours.cache })
  const r = await npmRun(npm12, ['install'], theirs, registry, { scripts: true })
  assert.equal(r.status, 0, r.out)
  assert.deepEqual(markers(ours.dir), markers(theirs.dir))
  // And the run happened at all: the allowed ones left their markers.
  assert.ok(markers(ours.dir).includes(path.join('node_modules', 'pinned', 'ran-postinstall')))
  assert.ok(summary.warnings.some((w) => w.code === 'EALLOWSCRIPTSENTRY' && /ranged@\^3/.test(w.message)), JSON.stringify(summary.warnings))
  assert.deepEqual(
    summary.scriptsNotRun.map((s) => s.package).sort(),
    ['denied@1.0.0', 'ranged@3.4.0', 'unlisted@1.0.0', 'wrong-pin@1.0.0'],
  )
})
