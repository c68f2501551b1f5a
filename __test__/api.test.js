'use strict'
// The JS API (install, resolve) of the built addon against the fixture registry.

const assert = require('node:assert/strict')
const { execFileSync } = require('node:child_process')
const fs = require('node:fs')
const path = require('node:path')
const { test, before, after } = require('node:test')

require('./helpers/isolate-config')

const { install, resolve } = require('..')
const { startRegistry, pkg } = require('./helpers/registry')
const { makeProject, readJson } = require('./helpers/project')

let registry
before(async () => {
  registry = await startRegistry([
    pkg('greet', '1.0.0', { dependencies: { words: '^1.0.0' }, bin: { greet: 'cli.js' } }, {
      'cli.js': { content: "#!/usr/bin/env node\nconsole.log('hello from ' + require('words').name)\n", mode: 0o644 },
    }),
    pkg('words', '1.0.0'),
    pkg('words', '1.1.0'),
    pkg('words', '2.0.0'),
    pkg('other', '1.0.0', { dependencies: { words: '^2.0.0' } }),
    pkg('host', '1.0.0'),
    pkg('host', '2.0.0'),
    pkg('plugin', '1.0.0', { peerDependencies: { host: '^2' } }),
  ])
})
after(() => registry.close())

function options(project, extra = {}) {
  return {
    cwd: project.dir,
    registry: registry.url,
    cacheDir: project.cache,
    config: { 'omit-lockfile-registry-resolved': 'false' },
    ...extra,
  }
}

test('install() builds node_modules, the lockfile and working bins', async () => {
  const project = makeProject({ dependencies: { greet: '^1.0.0', other: '1.0.0' } })
  const summary = await install(options(project))
  assert.equal(summary.packages, 4)
  assert.equal(summary.added, 4)
  assert.equal(summary.upToDate, false)
  assert.ok(summary.timings.totalMs >= 0)

  const lock = readJson(path.join(project.dir, 'package-lock.json'))
  assert.equal(lock.lockfileVersion, 3)
  assert.equal(lock.packages['node_modules/words'].version, '1.1.0')
  assert.equal(lock.packages['node_modules/other/node_modules/words'].version, '2.0.0')
  assert.match(lock.packages['node_modules/greet'].integrity, /^sha512-/)

  const required = execFileSync(process.execPath, ['-p', "require('greet').name + ' ' + require('words').version"], {
    cwd: project.dir,
    encoding: 'utf8',
  })
  assert.equal(required.trim(), 'greet 1.1.0')
  const bin = execFileSync(path.join(project.dir, 'node_modules/.bin/greet'), { encoding: 'utf8' })
  assert.equal(bin.trim(), 'hello from words')

  const again = await install(options(project))
  assert.equal(again.upToDate, true)
  assert.equal(again.resolved, false)
  project.cleanup()
})

test('onProgress receives typed, ordered events per phase', async () => {
  const project = makeProject({ dependencies: { greet: '^1.0.0' } })
  const events = []
  await install(options(project, { onProgress: (e) => events.push(e) }))
  // Callbacks are queued to the event loop: let the last ones arrive.
  await new Promise((r) => setImmediate(r))
  const types = new Set(events.map((e) => `${e.type}:${e.phase}`))
  for (const t of ['phaseStart:resolve', 'phaseEnd:resolve', 'phaseStart:fetch', 'phaseEnd:link']) {
    assert.ok(types.has(t), `missing ${t} in ${[...types]}`)
  }
  const linked = events.filter((e) => e.type === 'progress' && e.phase === 'link')
  assert.ok(linked.length >= 1)
  const last = linked[linked.length - 1]
  assert.equal(last.done, last.total)
  assert.equal(last.total, 2)
  const startResolve = events.findIndex((e) => e.type === 'phaseStart' && e.phase === 'resolve')
  const endLink = events.findIndex((e) => e.type === 'phaseEnd' && e.phase === 'link')
  assert.ok(startResolve < endLink)
  project.cleanup()
})

test('errors carry stable codes', async () => {
  const missing = makeProject({ dependencies: { 'does-not-exist': '1.0.0' } })
  await assert.rejects(install(options(missing)), (err) => {
    assert.equal(err.code, 'E404')
    assert.match(err.message, /does-not-exist/)
    return true
  })
  missing.cleanup()
  const noMatch = makeProject({ dependencies: { words: '^9.0.0' } })
  await assert.rejects(install(options(noMatch)), { code: 'ETARGET' })
  noMatch.cleanup()
  await assert.rejects(install({ cwd: path.join(__dirname, 'no-such-dir'), registry: registry.url }), {
    code: 'ENOPACKAGEJSON',
  })
})

test('an aborted signal rejects with an AbortError (ABORT_ERR)', async () => {
  const project = makeProject({ dependencies: { greet: '^1.0.0' } })
  const controller = new AbortController()
  controller.abort()
  await assert.rejects(install(options(project, { signal: controller.signal })), { name: 'AbortError', code: 'ABORT_ERR' })
  // Aborting while running works too; the next install repairs whatever was left.
  const running = new AbortController()
  const promise = install(options(project, { signal: running.signal }))
  running.abort()
  await promise.then(
    () => {},
    (err) => assert.equal(err.code, 'ABORT_ERR'),
  )
  const summary = await install(options(project))
  assert.equal(summary.packages, 2)
  assert.ok(fs.existsSync(path.join(project.dir, 'node_modules/greet/cli.js')))
  project.cleanup()
})

test('resolve() writes only the lockfile', async () => {
  const project = makeProject({ dependencies: { other: '1.0.0' } })
  const summary = await resolve(options(project))
  assert.equal(summary.resolved, true)
  assert.ok(fs.existsSync(path.join(project.dir, 'package-lock.json')))
  assert.ok(!fs.existsSync(path.join(project.dir, 'node_modules')))
  project.cleanup()
})

test('a progress callback does not keep node alive after the promise settles', async () => {
  const project = makeProject({ dependencies: { greet: '^1.0.0' } })
  const script = `
    const { install } = require(${JSON.stringify(path.join(__dirname, '..'))})
    install({ cwd: ${JSON.stringify(project.dir)}, registry: ${JSON.stringify(registry.url)},
              cacheDir: ${JSON.stringify(project.cache)}, onProgress: () => {} })
      .then((s) => console.log('done', s.packages))`
  const { spawn } = require('node:child_process')
  const child = spawn(process.execPath, ['-e', script])
  let out = ''
  child.stdout.on('data', (d) => (out += d))
  const exited = await new Promise((resolve) => {
    const timer = setTimeout(() => resolve(false), 20_000)
    child.on('exit', () => {
      clearTimeout(timer)
      resolve(true)
    })
  })
  if (!exited) child.kill()
  assert.ok(exited, 'node exited on its own')
  assert.match(out, /done 2/)
  project.cleanup()
})

test('the promise does not block the event loop', async () => {
  const project = makeProject({ dependencies: { greet: '^1.0.0', other: '1.0.0' } })
  let ticks = 0
  const timer = setInterval(() => ticks++, 1)
  await install(options(project))
  clearInterval(timer)
  assert.ok(ticks > 0, 'timers ran while installing')
  project.cleanup()
})

test("an option left out leaves the project's .npmrc in force; one given beats it", async () => {
  const project = makeProject({ dependencies: { host: '^1', plugin: '^1' } })
  fs.writeFileSync(path.join(project.dir, '.npmrc'), 'legacy-peer-deps=true\n')
  await assert.rejects(install(options(project, { legacyPeerDeps: false })), { code: 'ERESOLVE' })
  const summary = await install(options(project))
  assert.equal(summary.packages, 2)
  assert.equal(readJson(path.join(project.dir, 'node_modules/host/package.json')).version, '1.0.0')
  project.cleanup()
})

test('omit: ["dev"] keeps dev packages off the disk and in the lockfile', async () => {
  const project = makeProject({ dependencies: { words: '^1.0.0' }, devDependencies: { other: '1.0.0' } })
  await install(options(project, { omit: ['dev'] }))
  assert.ok(fs.existsSync(path.join(project.dir, 'node_modules/words')))
  assert.ok(!fs.existsSync(path.join(project.dir, 'node_modules/other')))
  const lock = readJson(path.join(project.dir, 'package-lock.json'))
  assert.equal(lock.packages['node_modules/other'].dev, true)
  project.cleanup()
})

test('a panic inside the engine rejects with EINTERNAL and the process lives on', async () => {
  const project = makeProject({ dependencies: { words: '1.1.0' } })
  for (const point of ['plan', 'link']) {
    process.env.UTOO_FAILPOINT = point
    try {
      await assert.rejects(install(options(project)), (err) => {
        assert.equal(err.code, 'EINTERNAL', `${point}: ${err.message}`)
        assert.match(err.hint, /bug in utoo/)
        return true
      })
    } finally {
      delete process.env.UTOO_FAILPOINT
    }
  }
  // Same process, same project: the next install repairs what the failed one left.
  const summary = await install(options(project))
  assert.equal(summary.packages, 1)
  assert.equal(require(path.join(project.dir, 'node_modules', 'words', 'package.json')).version, '1.1.0')
  project.cleanup()
})
