'use strict'
// One effect per install option not pinned elsewhere: the workspace filters on every
// installing function, preferOffline, offline, omit, legacyPeerDeps, force, ignoreScripts
// and an arbitrary npm key through `config`. (lockfileOnly, signal, onProgress, CI and
// omit: ['dev'] have their own files: api-functions, api-abort, api-progress, api.)

const assert = require('node:assert/strict')
const fs = require('node:fs')
const path = require('node:path')
const { test, before, after } = require('node:test')

require('./helpers/isolate-config')

const { install, ci, add, remove, update, plan } = require('..')
const { startRegistry, pkg } = require('./helpers/registry')
const { makeProject, readJson } = require('./helpers/project')

let registry
before(async () => {
  registry = await startRegistry([
    pkg('dep-a', '1.0.0'),
    pkg('dep-b', '1.0.0'),
    pkg('root-dep', '1.0.0'),
    pkg('extra', '1.2.0'),
    pkg('host', '1.0.0'),
    pkg('host', '2.0.0'),
    pkg('plugin', '1.0.0', { peerDependencies: { host: '^2.0.0' } }),
    pkg('opt', '1.0.0'),
    pkg('scripted', '1.0.0', { scripts: { postinstall: 'touch ../../scripted-ran' } }),
  ])
})
after(() => registry.close())

function opts(project, extra = {}) {
  return { cwd: project.dir, registry: registry.url, cacheDir: project.cache, ...extra }
}

const has = (project, name) => fs.existsSync(path.join(project.dir, 'node_modules', name, 'package.json'))

/** Root (root-dep) with members ws-a (dep-a) in packages/a and ws-b (dep-b) in packages/b. */
function workspaceProject() {
  const project = makeProject({ workspaces: ['packages/*'], dependencies: { 'root-dep': '1.0.0' } })
  const members = { a: { name: 'ws-a', dep: 'dep-a' }, b: { name: 'ws-b', dep: 'dep-b' } }
  for (const [folder, { name, dep }] of Object.entries(members)) {
    const dir = path.join(project.dir, 'packages', folder)
    fs.mkdirSync(dir, { recursive: true })
    fs.writeFileSync(path.join(dir, 'package.json'), JSON.stringify({ name, version: '1.0.0', dependencies: { [dep]: '1.0.0' } }))
  }
  return project
}

const selections = [
  ['workspace: a name', { workspace: 'ws-a' }, ['dep-a']],
  ['workspace: a name and a folder', { workspace: ['ws-a', 'packages/b'] }, ['dep-a', 'dep-b']],
  ['workspace with includeWorkspaceRoot', { workspace: 'ws-a', includeWorkspaceRoot: true }, ['dep-a', 'root-dep']],
  ['workspaces: true', { workspaces: true }, ['dep-a', 'dep-b']],
  ['workspaces: false', { workspaces: false }, ['root-dep']],
]

for (const [label, selection, placed] of selections) {
  test(`install({ ${label} }) places only the selected dependencies; the lockfile stays whole`, async () => {
    const project = workspaceProject()
    await install(opts(project, selection))
    for (const dep of ['dep-a', 'dep-b', 'root-dep']) {
      assert.equal(has(project, dep), placed.includes(dep), dep)
    }
    const lock = readJson(path.join(project.dir, 'package-lock.json'))
    for (const dep of ['dep-a', 'dep-b', 'root-dep']) assert.ok(lock.packages[`node_modules/${dep}`], dep)
    project.cleanup()
  })
}

test('ci, update and plan take the workspace filter too', async () => {
  const project = workspaceProject()
  const planned = await plan(opts(project, { workspace: 'ws-b' }))
  const names = planned.added.map((c) => c.name)
  assert.ok(names.includes('dep-b') && !names.includes('dep-a'), names.join(' '))
  assert.ok(!fs.existsSync(path.join(project.dir, 'package-lock.json')), 'plan writes nothing')
  await install(opts(project, { lockfileOnly: true }))
  await ci(opts(project, { workspace: 'ws-b' }))
  assert.deepEqual([has(project, 'dep-a'), has(project, 'dep-b')], [false, true])
  await update(['dep-a'], opts(project, { workspace: 'ws-a' }))
  assert.deepEqual([has(project, 'dep-a'), has(project, 'root-dep')], [true, false])
  project.cleanup()
})

test('add and remove with workspace edit the member, not the root', async () => {
  const project = workspaceProject()
  const member = path.join(project.dir, 'packages/b/package.json')
  await add(['extra'], opts(project, { workspace: 'ws-b' }))
  assert.equal(readJson(member).dependencies.extra, '^1.2.0')
  assert.equal(readJson(path.join(project.dir, 'package.json')).dependencies.extra, undefined)
  await remove(['dep-b'], opts(project, { workspace: 'ws-b' }))
  assert.deepEqual(readJson(member).dependencies, { extra: '^1.2.0' })
  project.cleanup()
})

/** The packument requests the registry has seen (tarballs left out). */
const packumentRequests = () => registry.requests.filter((r) => !r.endsWith('.tgz')).length

test('preferOffline uses cached packuments without asking; offline never asks at all', async () => {
  const first = makeProject({ dependencies: { 'dep-a': '1.0.0' } })
  // The fixture registry sends no ETag: a packument is kept for later runs only when a
  // preferOffline run fetched it.
  await install(opts(first, { preferOffline: true }))
  const again = (extra) => {
    const p = makeProject({ dependencies: { 'dep-a': '1.0.0' } })
    return install({ ...opts(p, extra), cacheDir: first.cache }).finally(() => p.cleanup())
  }
  let before = packumentRequests()
  await again({})
  assert.ok(packumentRequests() > before, 'a plain install revalidates the cached packument')
  before = packumentRequests()
  await again({ preferOffline: true })
  assert.equal(packumentRequests(), before, 'preferOffline asked the registry')
  const requests = registry.requests.length
  await again({ offline: true })
  assert.equal(registry.requests.length, requests, 'offline asked the registry')
  first.cleanup()
})

test("omit: ['optional'] and ['peer'] leave those off the disk and in the lockfile", async () => {
  const project = makeProject({ dependencies: { plugin: '1.0.0' }, optionalDependencies: { opt: '1.0.0' } })
  await install(opts(project, { omit: ['optional'] }))
  assert.deepEqual([has(project, 'plugin'), has(project, 'host'), has(project, 'opt')], [true, true, false])
  await install(opts(project, { omit: ['peer'] }))
  assert.deepEqual([has(project, 'plugin'), has(project, 'host'), has(project, 'opt')], [true, false, true])
  const lock = readJson(path.join(project.dir, 'package-lock.json'))
  assert.ok(lock.packages['node_modules/host'].peer && lock.packages['node_modules/opt'].optional)
  project.cleanup()
})

test('legacyPeerDeps ignores a conflicting peer; force installs it with a warning', async () => {
  const conflict = { dependencies: { host: '1.0.0', plugin: '1.0.0' } }
  const plain = makeProject(conflict)
  await assert.rejects(install(opts(plain)), { code: 'ERESOLVE' })
  plain.cleanup()
  const legacy = makeProject(conflict)
  const summary = await install(opts(legacy, { legacyPeerDeps: true }))
  assert.deepEqual(summary.warnings, [])
  assert.equal(readJson(path.join(legacy.dir, 'node_modules/host/package.json')).version, '1.0.0')
  legacy.cleanup()
  const forced = makeProject(conflict)
  const warned = await install(opts(forced, { force: true }))
  assert.ok(warned.warnings.some((w) => w.code === 'ERESOLVE'), JSON.stringify(warned.warnings))
  assert.ok(has(forced, 'plugin'))
  forced.cleanup()
})

test('ignoreScripts runs no script, even an allowed one', async () => {
  const project = makeProject({ dependencies: { scripted: '1.0.0' }, allowScripts: { scripted: true } })
  const summary = await install(opts(project, { ignoreScripts: true }))
  assert.equal(summary.scriptsRun, 0)
  assert.ok(!fs.existsSync(path.join(project.dir, 'scripted-ran')))
  fs.rmSync(path.join(project.dir, 'node_modules'), { recursive: true })
  await install(opts(project))
  assert.ok(fs.existsSync(path.join(project.dir, 'scripted-ran')), 'without it, the script runs')
  project.cleanup()
})

test('config takes any npm key: save-exact saves the exact version', async () => {
  const project = makeProject({})
  await add(['extra'], opts(project, { config: { 'save-exact': 'true' } }))
  assert.equal(readJson(path.join(project.dir, 'package.json')).dependencies.extra, '1.2.0')
  project.cleanup()
})
