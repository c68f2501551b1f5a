'use strict'
// Aborting mid-download, mid-extract or mid-script rejects with an AbortError promptly (a running
// lifecycle script is killed with its children); the next install completes the tree, and
// npm itself finds nothing wrong with it.

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
    [
      pkg('greet', '1.0.0', { dependencies: { words: '^1.0.0' } }),
      pkg('words', '1.0.0'),
      pkg('other', '1.0.0'),
      // Its script prints, then a child of the shell sleeps before it writes a file.
      pkg('slow', '1.0.0', { scripts: { postinstall: 'echo started; (sleep 2 && touch ../../slow-finished) & wait' } }),
    ],
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

/** Waits until `file` exists (a failpoint's marker), failing after `ms`. */
async function waitForFile(file, ms) {
  const until = Date.now() + ms
  while (!fs.existsSync(file)) {
    if (Date.now() > until) throw new Error(`${file} never appeared`)
    await new Promise((r) => setTimeout(r, 10))
  }
}

test('abort mid-extract: AbortError while a tarball is half unpacked, then a clean install', async () => {
  const project = makeProject({ dependencies: { greet: '^1.0.0' } })
  const options = { cwd: project.dir, registry: registry.url, cacheDir: project.cache }
  // The engine's `pause:` failpoint: extraction stops after its first file, says so with
  // extract.reached, and goes on only once extract.release exists.
  const points = path.join(project.dir, '.failpoints')
  fs.mkdirSync(points)
  process.env.UTOO_FAILPOINT = 'pause:extract'
  process.env.UTOO_FAILPOINT_DIR = points
  const controller = new AbortController()
  const running = install({ ...options, signal: controller.signal })
  try {
    await waitForFile(path.join(points, 'extract.reached'), 15000)
    const abortedAt = Date.now()
    controller.abort()
    await assert.rejects(running, { name: 'AbortError', code: 'ABORT_ERR' })
    assert.ok(Date.now() - abortedAt < 1000, `rejected ${Date.now() - abortedAt} ms after the abort`)
    assert.ok(!fs.existsSync(path.join(points, 'extract.release')), 'the extraction was still paused')
    assert.ok(!fs.existsSync(path.join(project.dir, 'node_modules/.package-lock.json')), 'no hidden lockfile vouches for a partial tree')
  } finally {
    delete process.env.UTOO_FAILPOINT
    delete process.env.UTOO_FAILPOINT_DIR
    fs.writeFileSync(path.join(points, 'extract.release'), '')
  }

  const summary = await install(options)
  assert.equal(summary.packages, 2)
  for (const name of ['greet', 'words']) {
    assert.ok(fs.existsSync(path.join(project.dir, 'node_modules', name, 'index.js')), name)
  }
  const ls = await npmRun(NPMS[0], ['ls', '--all'], project, registry)
  assert.equal(ls.status, 0, ls.out)
  assert.doesNotMatch(ls.stdout, /invalid|missing|extraneous|UNMET/i, ls.out)
  project.cleanup()
})

test('abort mid-script: AbortError at once, the script and its children killed, then a clean install', async () => {
  const project = makeProject({ dependencies: { slow: '1.0.0' }, allowScripts: { slow: true } })
  // Scripts run in the package folder: the marker lands in the project folder.
  const marker = path.join(project.dir, 'slow-finished')
  const controller = new AbortController()
  let abortedAt = 0
  const running = install({
    cwd: project.dir,
    registry: registry.url,
    cacheDir: project.cache,
    signal: controller.signal,
    onProgress: (e) => {
      if (e.type === 'scriptOutput' && e.line === 'started' && !abortedAt) {
        abortedAt = Date.now()
        controller.abort()
      }
    },
  })
  await assert.rejects(running, { name: 'AbortError', code: 'ABORT_ERR' })
  assert.ok(abortedAt > 0, 'the abort came while the script ran')
  assert.ok(Date.now() - abortedAt < 1000, `rejected ${Date.now() - abortedAt} ms after the abort`)
  await new Promise((r) => setTimeout(r, 2800))
  assert.ok(!fs.existsSync(marker), "the script's background child was killed with it")

  const summary = await install({ cwd: project.dir, registry: registry.url, cacheDir: project.cache })
  assert.equal(summary.packages, 1)
  assert.ok(fs.existsSync(marker), 'the next install ran the script to its end')
  const ls = await npmRun(NPMS[0], ['ls', '--all'], project, registry)
  assert.equal(ls.status, 0, ls.out)
  project.cleanup()
})
