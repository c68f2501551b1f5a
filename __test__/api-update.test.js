'use strict'
// update(): npm's `update` against npm 11 itself, on the same fixture registry. Versions are
// published after the lockfile was written; a transitive and a direct dependency are updated
// by name, then everything; package.json never changes.

const assert = require('node:assert/strict')
const fs = require('node:fs')
const path = require('node:path')
const { test, before, after } = require('node:test')

require('./helpers/isolate-config')

const { install, update } = require('..')
const { startRegistry, pkg } = require('./helpers/registry')
const { makeProject, readJson } = require('./helpers/project')
const { NPMS, assertNpmsInstalled, npmRun, entries } = require('./helpers/npm-compat')

let registry
before(async () => {
  assertNpmsInstalled()
  registry = await startRegistry([
    pkg('top', '1.0.0', { dependencies: { leaf: '^1.0.0' } }),
    pkg('leaf', '1.0.0'),
    pkg('solo', '1.0.0'),
    pkg('pinned', '1.0.0'),
  ])
})
after(() => registry.close())

const npm11 = NPMS.find((n) => n.label === 'npm 11')

function copyProject(from) {
  const to = makeProject({})
  for (const file of ['package.json', 'package-lock.json']) {
    fs.copyFileSync(path.join(from.dir, file), path.join(to.dir, file))
  }
  return to
}

const versions = (project) => {
  const lock = entries(project)
  return Object.fromEntries(Object.entries(lock).filter(([k]) => k).map(([k, v]) => [k, v.version]))
}

test('update(names) and update() move what npm 11 moves, and leave package.json alone', async () => {
  const ours = makeProject({ dependencies: { top: '^1.0.0', solo: '^1.0.0', pinned: '1.0.0' } })
  const utooOptions = { cwd: ours.dir, registry: registry.url, cacheDir: ours.cache }
  await install(utooOptions)
  const theirs = copyProject(ours)
  const npm = (args) => npmRun(npm11, args, theirs, registry)
  assert.equal((await npm(['ci'])).status, 0)
  const packageJson = fs.readFileSync(path.join(ours.dir, 'package.json'), 'utf8')

  // Released after the lockfile was written.
  registry.publish(pkg('leaf', '1.1.0'))
  registry.publish(pkg('leaf', '2.0.0'))
  registry.publish(pkg('solo', '1.2.0'))
  registry.publish(pkg('pinned', '1.0.1'))

  // A plain install keeps the lockfile's pins.
  const kept = await install(utooOptions)
  assert.equal(kept.upToDate, true)
  assert.equal(versions(ours)['node_modules/leaf'], '1.0.0')

  // A transitive dependency by name: to the newest its dependent's range allows.
  const leaf = await update(['leaf'], utooOptions)
  let r = await npm(['update', 'leaf'])
  assert.equal(r.status, 0, r.out)
  assert.equal(leaf.changed, 1)
  assert.deepEqual(versions(ours), {
    'node_modules/leaf': '1.1.0',
    'node_modules/pinned': '1.0.0',
    'node_modules/solo': '1.0.0',
    'node_modules/top': '1.0.0',
  })
  assert.deepEqual(entries(ours), entries(theirs))
  assert.equal(readJson(path.join(ours.dir, 'node_modules/leaf/package.json')).version, '1.1.0')

  // A direct dependency by name.
  await update(['solo'], utooOptions)
  r = await npm(['update', 'solo'])
  assert.equal(r.status, 0, r.out)
  assert.equal(versions(ours)['node_modules/solo'], '1.2.0')
  assert.deepEqual(entries(ours), entries(theirs))

  // Everything: an exact spec stays where it is.
  await update([], utooOptions)
  r = await npm(['update'])
  assert.equal(r.status, 0, r.out)
  assert.equal(versions(ours)['node_modules/pinned'], '1.0.0')
  assert.deepEqual(entries(ours), entries(theirs))

  assert.equal(fs.readFileSync(path.join(ours.dir, 'package.json'), 'utf8'), packageJson)
  assert.equal(fs.readFileSync(path.join(theirs.dir, 'package.json'), 'utf8'), packageJson)
  ours.cleanup()
  theirs.cleanup()
})

test('update() with nothing newer changes nothing', async () => {
  const project = makeProject({ dependencies: { solo: '^1.0.0' } })
  const utooOptions = { cwd: project.dir, registry: registry.url, cacheDir: project.cache }
  await install(utooOptions)
  const lock = fs.readFileSync(path.join(project.dir, 'package-lock.json'), 'utf8')
  const summary = await update(undefined, utooOptions)
  assert.equal(summary.lockfileChanged, false)
  assert.equal(summary.added + summary.changed + summary.removed, 0)
  assert.equal(fs.readFileSync(path.join(project.dir, 'package-lock.json'), 'utf8'), lock)
  project.cleanup()
})
