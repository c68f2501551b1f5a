'use strict'
// Aborting mid-download rejects with an AbortError promptly; the next install completes the
// tree, and npm itself finds nothing wrong with it.

const assert = require('node:assert/strict')
const fs = require('node:fs')
const path = require('node:path')
const { test, before, after } = require('node:test')

require('./helpers/isolate-config')

const { install } = require('..')
const { startRegistry, pkg } = require('./helpers/registry')
const { makeProject } = require('./helpers/project')
const { NPMS, npmRun } = require('./helpers/npm-compat')

let registry
before(async () => {
  registry = await startRegistry(
    [pkg('greet', '1.0.0', { dependencies: { words: '^1.0.0' } }), pkg('words', '1.0.0'), pkg('other', '1.0.0')],
    { tarballDelayMs: 1500 },
  )
})
after(() => registry.close())

test('abort mid-download: AbortError at once, then an install that completes and npm ls is clean', async () => {
  const project = makeProject({ dependencies: { greet: '^1.0.0', other: '1.0.0' } })
  const options = { cwd: project.dir, registry: registry.url, cacheDir: project.cache }
  const controller = new AbortController()
  let fetching = false
  const started = Date.now()
  const running = install({
    ...options,
    signal: controller.signal,
    onProgress: (e) => {
      // Abort once downloads are under way (they hang for 1.5 s in the registry).
      if (e.type === 'phaseStart' && e.phase === 'fetch' && !fetching) {
        fetching = true
        setTimeout(() => controller.abort(), 100)
      }
    },
  })
  await assert.rejects(running, (err) => {
    assert.ok(err instanceof Error)
    assert.equal(err.name, 'AbortError')
    assert.equal(err.code, 'ABORT_ERR')
    assert.match(err.message, /cancelled/)
    return true
  })
  assert.ok(fetching, 'the abort came during the fetch phase')
  assert.ok(Date.now() - started < 1400, `rejected after ${Date.now() - started} ms, before any tarball arrived`)
  assert.ok(!fs.existsSync(path.join(project.dir, 'node_modules/.package-lock.json')), 'no hidden lockfile vouches for a partial tree')

  const summary = await install(options)
  assert.equal(summary.packages, 3)
  for (const name of ['greet', 'words', 'other']) {
    assert.ok(fs.existsSync(path.join(project.dir, 'node_modules', name, 'package.json')), name)
  }
  const ls = await npmRun(NPMS[0], ['ls', '--all'], project, registry)
  assert.equal(ls.status, 0, ls.out)
  assert.doesNotMatch(ls.stdout, /invalid|missing|extraneous|UNMET/i, ls.out)
  project.cleanup()
})
