'use strict'
// Two calls in one project are serialised (the engine's OS file lock, in one process as
// across processes); calls in two projects run at once.

const assert = require('node:assert/strict')
const fs = require('node:fs')
const path = require('node:path')
const { test, before, after } = require('node:test')

require('./helpers/isolate-config')

const { install, list } = require('..')
const { startRegistry, pkg } = require('./helpers/registry')
const { makeProject, readJson } = require('./helpers/project')

let registry
before(async () => {
  registry = await startRegistry(
    [pkg('greet', '1.0.0', { dependencies: { words: '^1.0.0' } }), pkg('words', '1.0.0'), pkg('other', '1.0.0')],
    { tarballDelayMs: 300 },
  )
})
after(() => registry.close())

const options = (project) => ({ cwd: project.dir, registry: registry.url, cacheDir: project.cache })

test('two install()s in one project both succeed, one after the other, into one consistent tree', async () => {
  const project = makeProject({ dependencies: { greet: '^1.0.0', other: '1.0.0' } })
  const [a, b] = await Promise.all([install(options(project)), install(options(project))])
  const waited = [a, b].filter((s) => s.warnings.some((w) => w.code === 'ELOCKED'))
  assert.equal(waited.length, 1, 'exactly one waited for the other')
  assert.equal(a.packages, 3)
  assert.equal(b.packages, 3)
  // The one that waited found the other's complete tree.
  assert.equal(waited[0].upToDate, true)
  const tree = await list({ cwd: project.dir, all: true })
  assert.equal(tree.problems, undefined, JSON.stringify(tree))
  const lock = readJson(path.join(project.dir, 'package-lock.json'))
  assert.deepEqual(Object.keys(lock.packages).sort(), ['', 'node_modules/greet', 'node_modules/other', 'node_modules/words'])
  assert.ok(fs.existsSync(path.join(project.dir, 'node_modules/.package-lock.json')))
  project.cleanup()
})

test('installs in two projects run at once', async () => {
  const own = await startRegistry([pkg('words', '1.0.0'), pkg('other', '1.0.0')], { tarballDelayMs: 300 })
  const one = makeProject({ dependencies: { other: '1.0.0' } })
  const two = makeProject({ dependencies: { words: '1.0.0' } })
  const opts = (project) => ({ ...options(project), registry: own.url })
  const [a, b] = await Promise.all([install(opts(one)), install(opts(two))])
  // Each project downloads one tarball: both were in flight together.
  assert.equal(own.maxTarballsInFlight(), 2)
  for (const s of [a, b]) assert.ok(!s.warnings.some((w) => w.code === 'ELOCKED'))
  one.cleanup()
  two.cleanup()
  await own.close()
})
