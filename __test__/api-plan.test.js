'use strict'
// plan(): what an install would do, with the project folder left byte for byte as it was, and
// the plan matching what the install that follows does.

const assert = require('node:assert/strict')
const crypto = require('node:crypto')
const fs = require('node:fs')
const os = require('node:os')
const path = require('node:path')
const { test, before, after } = require('node:test')

require('./helpers/isolate-config')

const { install, plan, update } = require('..')
const { startRegistry, pkg } = require('./helpers/registry')
const { makeProject } = require('./helpers/project')

let registry
before(async () => {
  registry = await startRegistry([
    pkg('greet', '1.0.0', { dependencies: { words: '^1.0.0' } }),
    pkg('words', '1.0.0'),
    pkg('words', '1.1.0'),
    pkg('words', '2.0.0'),
    pkg('other', '1.0.0'),
    pkg('allowed', '1.0.0', { scripts: { postinstall: 'echo ran > ran.txt' } }),
    pkg('unlisted', '1.0.0', { scripts: { install: 'echo ran > ran.txt' } }),
  ])
})
after(() => registry.close())

/** Every file and folder under `dir` with a hash of its content (links by target). */
function snapshot(dir) {
  const out = {}
  const walk = (d, rel) => {
    for (const name of fs.readdirSync(d).sort()) {
      const file = path.join(d, name)
      const key = rel ? `${rel}/${name}` : name
      const stat = fs.lstatSync(file)
      if (stat.isSymbolicLink()) out[key] = `link ${fs.readlinkSync(file)}`
      else if (stat.isDirectory()) {
        out[key] = `dir ${stat.mode}`
        walk(file, key)
      } else out[key] = `${stat.mode} ${crypto.createHash('sha256').update(fs.readFileSync(file)).digest('hex')}`
    }
  }
  walk(dir, '')
  return out
}

function setup(packageJson) {
  const project = makeProject(packageJson)
  // The cache may change (packuments); the project may not, so it lives elsewhere.
  const cache = fs.mkdtempSync(path.join(os.tmpdir(), 'utoo-plan-cache-'))
  const options = { cwd: project.dir, registry: registry.url, cacheDir: cache }
  return {
    project,
    options,
    cleanup: () => {
      project.cleanup()
      fs.rmSync(cache, { recursive: true, force: true })
    },
  }
}

const names = (list) => list.map((c) => `${c.name} ${c.from ?? '-'} -> ${c.to ?? '-'}`).sort()

test('a fresh project: everything added, scripts by policy, bytes to download; nothing written', async () => {
  const { project, options, cleanup } = setup({
    dependencies: { greet: '^1.0.0', allowed: '1.0.0', unlisted: '1.0.0' },
    allowScripts: { allowed: true },
  })
  const before = snapshot(project.dir)
  const p = await plan(options)
  assert.deepEqual(snapshot(project.dir), before, 'the project folder is byte-identical')
  assert.ok(!fs.existsSync(path.join(project.dir, 'node_modules')))
  assert.equal(p.packages, 4)
  assert.equal(p.resolved, true)
  assert.equal(p.lockfileChanged, true)
  assert.deepEqual(names(p.added), ['allowed - -> 1.0.0', 'greet - -> 1.0.0', 'unlisted - -> 1.0.0', 'words - -> 1.1.0'])
  assert.deepEqual(p.changed, [])
  assert.deepEqual(p.removed, [])
  assert.deepEqual(
    p.scripts.map((s) => [s.package, s.allowed, s.denied]).sort(),
    [['allowed@1.0.0', true, false], ['unlisted@1.0.0', false, false]],
  )
  assert.equal(p.download.tarballs, 4)
  assert.equal(p.download.unknownSize, 0)
  assert.ok(p.download.bytes > 0)

  const summary = await install(options)
  assert.equal(summary.added, p.added.length)
  assert.equal(summary.downloaded, p.download.tarballs)
  assert.equal(summary.bytesDownloaded, p.download.bytes)
  assert.deepEqual(summary.scriptsNotRun.map((s) => s.package), ['unlisted@1.0.0'])
  assert.ok(fs.existsSync(path.join(project.dir, 'node_modules/allowed/ran.txt')))

  // The same lockfile with an empty cache, offline: the sizes cannot be asked for.
  const copy = setup({})
  for (const file of ['package.json', 'package-lock.json']) {
    fs.copyFileSync(path.join(project.dir, file), path.join(copy.project.dir, file))
  }
  const offline = await plan({ ...copy.options, offline: true })
  assert.equal(offline.resolved, false)
  assert.deepEqual([offline.download.tarballs, offline.download.unknownSize, offline.download.bytes], [4, 4, 0])
  copy.cleanup()

  // Installed: nothing left to do, nothing to download.
  const again = await plan(options)
  assert.deepEqual([again.added, again.changed, again.removed, again.scripts], [[], [], [], []])
  assert.equal(again.download.tarballs, 0)
  assert.equal(again.lockfileChanged, false)
  assert.equal(again.resolved, false)
  cleanup()
})

test('an installed project: changed from -> to and removed, matching the install that follows', async () => {
  const { project, options, cleanup } = setup({ dependencies: { greet: '^1.0.0', other: '1.0.0' } })
  await install(options)
  const json = JSON.parse(fs.readFileSync(path.join(project.dir, 'package.json'), 'utf8'))
  delete json.dependencies.other
  json.dependencies.words = '^2.0.0'
  fs.writeFileSync(path.join(project.dir, 'package.json'), JSON.stringify(json, null, 2) + '\n')

  const before = snapshot(project.dir)
  const p = await plan(options)
  assert.deepEqual(snapshot(project.dir), before, 'the project folder is byte-identical')
  assert.deepEqual(names(p.changed), ['words 1.1.0 -> 2.0.0'])
  assert.deepEqual(names(p.added), ['words - -> 1.1.0'])
  assert.equal(p.added[0].path, 'node_modules/greet/node_modules/words')
  assert.deepEqual(names(p.removed), ['other 1.0.0 -> -'])
  // 1.1.0 is in the cache already; 2.0.0 is not.
  assert.equal(p.download.tarballs, 1)

  const summary = await install(options)
  assert.equal(summary.added, p.added.length)
  assert.equal(summary.changed, p.changed.length)
  assert.equal(summary.removed, p.removed.length)
  assert.equal(summary.downloaded, p.download.tarballs)
  cleanup()
})

test('plan({ ci: true }) and an update plan', async () => {
  const { project, options, cleanup } = setup({ dependencies: { greet: '^1.0.0' } })
  await install(options)
  const ci = await plan({ ...options, ci: true })
  assert.deepEqual(names(ci.changed), ['greet 1.0.0 -> 1.0.0', 'words 1.1.0 -> 1.1.0'])
  assert.equal(ci.lockfileChanged, false)
  await assert.rejects(plan({ ...options, cwd: path.join(project.dir, 'nope') }), { code: 'ENOPACKAGEJSON' })
  // Nothing newer is published: update plans nothing either.
  const up = await update(['words'], options)
  assert.equal(up.changed, 0)
  cleanup()
})
