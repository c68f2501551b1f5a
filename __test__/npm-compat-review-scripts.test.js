'use strict'
// `utoo approve-scripts` / `deny-scripts` / `install-scripts ls` against npm 12's own commands on
// the same installed tree (utoo installed it; npm reads utoo's hidden lockfile for the trusted
// versions): the same pending list, the same allowScripts written, step after step, so a team
// can review scripts with either tool.

const assert = require('node:assert/strict')
const fs = require('node:fs')
const path = require('node:path')
const { test, before, after } = require('node:test')

require('./helpers/isolate-config')

const { install } = require('..')
const { startRegistry, pkg } = require('./helpers/registry')
const { NPMS, assertNpmsInstalled, makeTree, npmRun } = require('./helpers/npm-compat')
const { utoo } = require('./helpers/cli')

const npm12 = NPMS.find((n) => n.label === 'npm 12')
const hook = { postinstall: 'node -e 0' }

let registry
before(async () => {
  assertNpmsInstalled()
  registry = await startRegistry([
    pkg('hooked', '1.0.0', { scripts: hook }),
    pkg('hooked', '2.0.0', { scripts: hook }),
    pkg('holder', '1.0.0', { dependencies: { hooked: '2' } }),
    pkg('gated', '1.0.0', { scripts: { install: 'node -e 0' } }),
    pkg('@s/native', '3.1.0', { scripts: { preinstall: 'node -e 0', postinstall: 'node -e 1' } }),
    pkg('plain', '1.0.0'),
  ])
})
after(() => registry.close())


// npm lists packages in the order it walked node_modules (readdir order, which differs between
// filesystems), so both outputs are compared in a sorted form.
const byKey = (a, b) => (a < b ? -1 : a > b ? 1 : 0)
function sortedJson(text) {
  const { allowScripts: groups } = JSON.parse(text)
  return groups
    .map(({ name, changes }) => ({ name, changes: [...changes].sort((x, y) => byKey(x.key, y.key)) }))
    .sort((x, y) => byKey(x.name, y.name))
}
const sortedLines = (text) => text.split('\n').sort().join('\n')

const allowScripts = (dir) => JSON.parse(fs.readFileSync(path.join(dir, 'package.json'), 'utf8')).allowScripts

test('approve-scripts, deny-scripts and install-scripts ls write and list what npm 12 does', async (t) => {
  const ours = makeTree({
    'package.json': {
      dependencies: { hooked: '1', holder: '1', gated: '1', '@s/native': '3', plain: '1' },
      // A stale pin: approving hooked drops it, as npm does.
      allowScripts: { 'hooked@0.9.0': true },
    },
  })
  t.after(() => ours.cleanup())
  await install({ cwd: ours.dir, registry: registry.url, cacheDir: ours.cache })
  const theirs = { ...ours, dir: `${ours.dir}-npm` }
  fs.cpSync(ours.dir, theirs.dir, { recursive: true, verbatimSymlinks: true })
  t.after(() => fs.rmSync(theirs.dir, { recursive: true, force: true }))

  const steps = [
    ['install-scripts', 'ls', '--json'],
    ['approve-scripts', '--allow-scripts-pending'],
    ['approve-scripts', 'hooked', '--json'],
    ['deny-scripts', 'gated'],
    ['approve-scripts', 'gated'],
    ['approve-scripts', '--all', '--no-allow-scripts-pin', '--json'],
    ['install-scripts', 'ls'],
  ]
  for (const args of steps) {
    await t.test(args.join(' '), async () => {
      const a = await utoo(ours.dir, ['--registry', registry.url, '--cache-dir', ours.cache, ...args])
      const b = await npmRun(npm12, args, theirs, registry)
      assert.equal(a.status, b.status === 0 ? 0 : 1, `${a.out}\n--- npm:\n${b.out}`)
      assert.deepEqual(allowScripts(ours.dir), allowScripts(theirs.dir))
      if (args.includes('--json')) {
        assert.deepEqual(sortedJson(a.stdout), sortedJson(b.stdout))
      } else {
        // The same words, but each tool names its own commands.
        const ownWords = a.stdout.replace(/utoo (approve|deny)-scripts/g, 'npm install-scripts $1')
        assert.equal(sortedLines(ownWords), sortedLines(b.stdout))
      }
    })
  }
  // The stale pin went, gated's deny won over the later approval, and --all only took what was
  // still pending.
  assert.deepEqual(allowScripts(ours.dir), { 'hooked@1.0.0': true, 'hooked@2.0.0': true, gated: false, '@s/native': true })
})

test('approve-scripts of a package that is not installed: ENOMATCH, package.json untouched', async (t) => {
  const project = makeTree({ 'package.json': { dependencies: { plain: '1' } } })
  t.after(() => project.cleanup())
  await install({ cwd: project.dir, registry: registry.url, cacheDir: project.cache })
  const before = fs.readFileSync(path.join(project.dir, 'package.json'), 'utf8')
  const r = await utoo(project.dir, ['approve-scripts', 'nope', '--cache-dir', project.cache])
  assert.equal(r.status, 1)
  assert.match(r.stderr, /ENOMATCH.*no installed packages match: nope/)
  assert.equal(fs.readFileSync(path.join(project.dir, 'package.json'), 'utf8'), before)
  const usage = await utoo(project.dir, ['approve-scripts'])
  assert.equal(usage.status, 2)
})
