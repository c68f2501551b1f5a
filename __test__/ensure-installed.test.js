'use strict'
// ensureInstalled(): install on demand against the fixture registry.

const assert = require('node:assert/strict')
const fs = require('node:fs')
const path = require('node:path')
const { test, before, after } = require('node:test')

require('./helpers/isolate-config')

const { install, ensureInstalled } = require('..')
const { startRegistry, pkg } = require('./helpers/registry')
const { makeProject, readJson } = require('./helpers/project')

const packages = [
  pkg('words', '1.0.0'),
  pkg('words', '2.0.0'),
  pkg('greet', '1.0.0', { dependencies: { words: '^1.0.0' } }),
  pkg('@scope/x', '1.2.3'),
  pkg('@scope/x', '1.3.0'),
]
let registry
before(async () => {
  registry = await startRegistry(packages)
})
after(() => registry.close())

function options(project, reg = registry, extra = {}) {
  return { cwd: project.dir, registry: reg.url, cacheDir: project.cache, ...extra }
}

function mtimes(dir, files) {
  return files.map((f) => fs.statSync(path.join(dir, f)).mtimeMs)
}

test('present specs return at once: no request, no write', async () => {
  const project = makeProject({ dependencies: { words: '^1.0.0' } })
  await install(options(project))
  const files = ['package.json', 'package-lock.json', 'node_modules/.package-lock.json', 'node_modules/words/package.json']
  const before = mtimes(project.dir, files)
  const asked = registry.requests.length
  const result = await ensureInstalled(['words', 'words@^1'], options(project))
  assert.deepEqual(result.alreadyPresent, ['words@1.0.0', 'words@1.0.0'])
  assert.deepEqual(result.installed, [])
  assert.equal(result.summary, undefined)
  assert.equal(registry.requests.length, asked, 'no request to the registry')
  assert.deepEqual(mtimes(project.dir, files), before, 'no file rewritten')
  project.cleanup()
})

test('a missing package is installed, saved like npm install <spec>, and locked', async () => {
  const project = makeProject({})
  const result = await ensureInstalled(['greet', '@scope/x@1.2.3'], options(project))
  assert.deepEqual(result.installed, ['greet@1.0.0', '@scope/x@1.2.3'])
  assert.deepEqual(result.alreadyPresent, [])
  assert.equal(result.summary.added, 3)
  assert.deepEqual(readJson(path.join(project.dir, 'package.json')).dependencies, {
    '@scope/x': '^1.2.3',
    greet: '^1.0.0',
  })
  const lock = readJson(path.join(project.dir, 'package-lock.json'))
  assert.equal(lock.packages['node_modules/greet'].version, '1.0.0')
  assert.equal(lock.packages['node_modules/words'].version, '1.0.0')
  assert.equal(readJson(path.join(project.dir, 'node_modules/@scope/x/package.json')).version, '1.2.3')
  project.cleanup()
})

test('an installed version outside the range is upgraded', async () => {
  const project = makeProject({ dependencies: { words: '^1.0.0' } })
  await install(options(project))
  const result = await ensureInstalled(['words@^2'], options(project))
  assert.deepEqual(result.installed, ['words@2.0.0'])
  assert.equal(readJson(path.join(project.dir, 'node_modules/words/package.json')).version, '2.0.0')
  assert.equal(readJson(path.join(project.dir, 'package.json')).dependencies.words, '^2.0.0')
  assert.equal(readJson(path.join(project.dir, 'package-lock.json')).packages['node_modules/words'].version, '2.0.0')
  project.cleanup()
})

test('concurrent calls for one missing package run one install', async () => {
  const project = makeProject({})
  const tarballs = () => registry.requests.filter((r) => r.startsWith('/@scope/x/-/')).length
  const before = tarballs()
  const results = await Promise.all([
    ensureInstalled(['@scope/x'], options(project)),
    ensureInstalled(['@scope/x'], options(project)),
    ensureInstalled(['@scope/x@^1.3.0'], options(project)),
  ])
  assert.equal(results.filter((r) => r.summary).length, 1, JSON.stringify(results))
  assert.deepEqual(results.flatMap((r) => [...r.installed, ...r.alreadyPresent]), Array(3).fill('@scope/x@1.3.0'))
  assert.equal(tarballs() - before, 1, 'one tarball download')
  project.cleanup()
})

test('a failed spec is not retried in a loop: the repeat rejects at once with the same code', async () => {
  const project = makeProject({})
  for (const [spec, code] of [['no-such-package', 'E404'], ['words@^9', 'ETARGET']]) {
    const first = await ensureInstalled([spec], options(project)).catch((e) => e)
    assert.equal(first.code, code, String(first))
    const asked = registry.requests.length
    const again = await ensureInstalled([spec], options(project)).catch((e) => e)
    assert.equal(again.code, code)
    assert.match(again.message, /moments ago/)
    assert.ok(again.cause, 'the earlier error is the cause')
    assert.equal(registry.requests.length, asked, 'the repeat asked the registry nothing')
  }
  // The failure is not the project's: another spec installs.
  const ok = await ensureInstalled(['words'], options(project))
  assert.deepEqual(ok.installed, ['words@2.0.0'])
  assert.equal(readJson(path.join(project.dir, 'package.json')).dependencies['no-such-package'], undefined)
  project.cleanup()
})

test('abort rejects with an AbortError (ABORT_ERR) and is not remembered as a failure', async () => {
  const slow = await startRegistry(packages, { delayMs: 400 })
  const project = makeProject({})
  const controller = new AbortController()
  const pending = ensureInstalled(['words'], options(project, slow, { signal: controller.signal }))
  setTimeout(() => controller.abort(), 50)
  await assert.rejects(pending, { name: 'AbortError', code: 'ABORT_ERR' })
  const result = await ensureInstalled(['words'], options(project, slow))
  assert.deepEqual(result.installed, ['words@2.0.0'])
  await slow.close()
  project.cleanup()
})

test('progress events reach onProgress', async () => {
  const project = makeProject({})
  const events = []
  await ensureInstalled(['words@1'], options(project, registry, { onProgress: (e) => events.push(e) }))
  await new Promise((r) => setImmediate(r))
  assert.ok(events.some((e) => e.type === 'phaseEnd' && e.phase === 'link'), JSON.stringify(events))
  project.cleanup()
})
