'use strict'
// Workspaces against npm 11 and npm 12 on one fixture registry: the lockfile of a 3-member
// workspace (cross-member links, hoisting, a member-local conflict nested under its member, a
// root `file:` dependency), and what goes on disk with npm's workspace filters (`-w`,
// `--workspaces`, `--include-workspace-root`, a run inside a member).

const assert = require('node:assert/strict')
const fs = require('node:fs')
const path = require('node:path')
const { test, before, after } = require('node:test')

require('./helpers/isolate-config')

const { install } = require('..')
const { startRegistry, pkg } = require('./helpers/registry')
const { NPMS, assertNpmsInstalled, agreeWithNpm, makeTree, npmRun, entries } = require('./helpers/npm-compat')

let registry
before(async () => {
  assertNpmsInstalled()
  registry = await startRegistry([
    pkg('dep-a', '1.0.0'),
    pkg('dep-a', '2.0.0'),
    pkg('dep-b', '1.0.0', { dependencies: { 'dep-a': '^1.0.0' } }),
    pkg('dev-x', '1.0.0'),
    pkg('ws-b', '2.0.0'),
  ])
})
after(() => registry.close())

const workspace = {
  'package.json': {
    workspaces: ['packages/*'],
    dependencies: { 'dep-a': '^2.0.0', loc: 'file:libs/loc' },
    devDependencies: { 'dev-x': '1.0.0' },
  },
  'packages/a/package.json': { name: 'ws-a', version: '1.0.0', dependencies: { 'ws-b': '^1.0.0', 'dep-a': '^1.0.0' }, devDependencies: { 'dev-x': '^1.0.0' } },
  'packages/b/package.json': { name: 'ws-b', version: '1.0.0', dependencies: { 'dep-b': '1.0.0' } },
  'packages/c/package.json': { name: 'ws-c', version: '1.0.0', dependencies: { 'ws-b': '^2.0.0' } },
  'libs/loc/package.json': { name: 'loc', version: '0.1.0', dependencies: { 'dep-b': '1.0.0' } },
}

test('agrees with npm 11 and npm 12: a three-member workspace with a file: folder', async (t) => {
  await agreeWithNpm(t, { registry, files: workspace })
})

/** Every package folder or link under the project's node_modules folders, sorted. */
function onDisk(dir) {
  const found = []
  const walk = (rel) => {
    const nm = path.join(dir, rel, 'node_modules')
    let names
    try {
      names = fs.readdirSync(nm)
    } catch {
      return
    }
    for (const name of names) {
      if (name.startsWith('.')) continue
      const scoped = name.startsWith('@') ? fs.readdirSync(path.join(nm, name)).map((n) => `${name}/${n}`) : [name]
      for (const n of scoped) {
        const p = path.posix.join(rel, 'node_modules', n)
        found.push(p)
        if (!fs.lstatSync(path.join(dir, p)).isSymbolicLink()) walk(p)
      }
    }
  }
  walk('')
  for (const member of ['packages/a', 'packages/b', 'packages/c', 'libs/loc']) walk(member)
  return found.sort()
}

const filters = {
  '-w ws-a': { npm: ['-w', 'ws-a'], utoo: { config: { workspace: 'ws-a' } } },
  '-w packages/c --include-workspace-root': {
    npm: ['-w', 'packages/c', '--include-workspace-root'],
    utoo: { config: { workspace: 'packages/c', 'include-workspace-root': 'true' } },
  },
  '--workspaces': { npm: ['--workspaces'], utoo: { config: { workspaces: 'true' } } },
  'a run inside packages/b': { npm: [], utoo: {}, cwd: 'packages/b' },
}

for (const [label, filter] of Object.entries(filters)) {
  test(`puts on disk what npm 11 and npm 12 put there: ${label}`, async (t) => {
    const ours = makeTree(workspace)
    t.after(() => ours.cleanup())
    await install({
      cwd: filter.cwd ? path.join(ours.dir, filter.cwd) : ours.dir,
      registry: registry.url,
      cacheDir: ours.cache,
      ...filter.utoo,
    })
    const mine = onDisk(ours.dir)
    assert.ok(mine.length > 0)
    for (const npm of NPMS) {
      await t.test(npm.label, async () => {
        const theirs = makeTree(workspace)
        t.after(() => theirs.cleanup())
        const r = await npmRun(npm, ['install', ...filter.npm], theirs, registry, { cwd: filter.cwd })
        assert.equal(r.status, 0, r.out)
        assert.deepEqual(mine, onDisk(theirs.dir))
        assert.deepEqual(entries(ours), entries(theirs), 'the lockfile stays whole')
      })
    }
  })
}

test('add -w saves in the member and agrees with npm', async (t) => {
  const ours = makeTree(workspace)
  t.after(() => ours.cleanup())
  await install({ cwd: ours.dir, registry: registry.url, cacheDir: ours.cache })
  const { runCli } = require('..')
  const code = await runCli(['add', '-w', 'ws-c', 'dep-a@^1', '-C', ours.dir, '--registry', registry.url, '--cache-dir', ours.cache, '--reporter', 'silent'])
  assert.equal(code, 0)
  const member = JSON.parse(fs.readFileSync(path.join(ours.dir, 'packages/c/package.json'), 'utf8'))
  assert.equal(member.dependencies['dep-a'], '^1.0.0')
  for (const npm of NPMS) {
    await t.test(npm.label, async () => {
      const theirs = makeTree(workspace)
      t.after(() => theirs.cleanup())
      assert.equal((await npmRun(npm, ['install'], theirs, registry)).status, 0)
      const r = await npmRun(npm, ['install', '-w', 'ws-c', 'dep-a@^1'], theirs, registry)
      assert.equal(r.status, 0, r.out)
      assert.deepEqual(JSON.parse(fs.readFileSync(path.join(theirs.dir, 'packages/c/package.json'), 'utf8')), member)
      assert.deepEqual(entries(ours), entries(theirs))
      assert.deepEqual(onDisk(ours.dir), onDisk(theirs.dir))
    })
  }
})
