'use strict'
// The JS functions besides install(): ci, add, remove, why, list, the lockfileOnly option,
// ESM named imports, and that a caller's CI variable changes nothing.

const assert = require('node:assert/strict')
const { execFileSync } = require('node:child_process')
const fs = require('node:fs')
const path = require('node:path')
const { test, before, after } = require('node:test')

require('./helpers/isolate-config')

const utoo = require('..')
const { install, ci, add, remove, why, list } = utoo
const { startRegistry, pkg } = require('./helpers/registry')
const { makeProject, readJson } = require('./helpers/project')
const { NPMS, npmRun } = require('./helpers/npm-compat')

let registry
before(async () => {
  registry = await startRegistry([
    pkg('greet', '1.0.0', { dependencies: { words: '^1.0.0' } }),
    pkg('words', '1.0.0'),
    pkg('words', '1.1.0'),
    pkg('words', '2.0.0'),
    pkg('other', '1.0.0', { dependencies: { words: '^2.0.0' } }),
  ])
})
after(() => registry.close())

function options(project, extra = {}) {
  return { cwd: project.dir, registry: registry.url, cacheDir: project.cache, ...extra }
}

const pkgJson = (project) => readJson(path.join(project.dir, 'package.json'))
const lockPath = (project) => path.join(project.dir, 'package-lock.json')

test('ESM: every function is a named export of the package', () => {
  const entry = path.join(__dirname, '..', 'index.js')
  const names = ['install', 'ci', 'add', 'remove', 'update', 'resolve', 'plan', 'why', 'list', 'runCli']
  const script = `import { ${names.join(', ')} } from ${JSON.stringify(entry)}
    console.log([${names.join(', ')}].map((f) => typeof f).join(' '))`
  const out = execFileSync(process.execPath, ['--input-type=module', '-e', script], { encoding: 'utf8' })
  assert.equal(out.trim(), names.map(() => 'function').join(' '))
  for (const name of names) assert.equal(typeof utoo[name], 'function', name)
})

test('ci() installs exactly the lockfile into a fresh node_modules; ENOLOCK without one', async () => {
  const project = makeProject({ dependencies: { greet: '^1.0.0' } })
  await assert.rejects(ci(options(project)), { code: 'ENOLOCK' })
  await install(options(project))
  fs.writeFileSync(path.join(project.dir, 'node_modules/words/stray.txt'), 'left behind')
  const summary = await ci(options(project))
  assert.equal(summary.packages, 2)
  assert.equal(summary.added, 2, 'everything placed again')
  assert.ok(!fs.existsSync(path.join(project.dir, 'node_modules/words/stray.txt')))
  // Out of sync: ci refuses instead of resolving.
  const json = pkgJson(project)
  json.dependencies.words = '^2.0.0'
  fs.writeFileSync(path.join(project.dir, 'package.json'), JSON.stringify(json))
  await assert.rejects(ci(options(project)), { code: 'ELOCKOUTOFSYNC' })
  project.cleanup()
})

test('add() saves where dev/optional/peer/exact say, as utoo add -D/-O/--save-peer/-E', async () => {
  const project = makeProject({})
  // npm saves ^<the version picked> (a range given included, when it contains that).
  let summary = await add(['words@^1'], options(project))
  assert.equal(summary.added, 1)
  assert.deepEqual(pkgJson(project).dependencies, { words: '^1.1.0' })
  await add(['greet'], options(project, { dev: true, exact: true }))
  assert.deepEqual(pkgJson(project).devDependencies, { greet: '1.0.0' })
  await add(['other'], options(project, { optional: true }))
  assert.deepEqual(pkgJson(project).optionalDependencies, { other: '^1.0.0' })
  // A package lives in one map: saving it as a peer moves it.
  await add(['words@^1'], options(project, { peer: true }))
  assert.equal(pkgJson(project).dependencies?.words, undefined)
  assert.deepEqual(pkgJson(project).peerDependencies, { words: '^1.1.0' })
  assert.equal(readJson(path.join(project.dir, 'node_modules/words/package.json')).version, '1.1.0')
  summary = await add(['greet'], { ...options(project), dev: true })
  assert.equal(typeof summary.packages, 'number')
  project.cleanup()
})

test('remove() takes packages out of package.json and node_modules', async () => {
  const project = makeProject({ dependencies: { greet: '^1.0.0', other: '1.0.0' } })
  await install(options(project))
  const summary = await remove(['other'], options(project))
  assert.ok(summary.removed >= 1, JSON.stringify(summary))
  assert.deepEqual(pkgJson(project).dependencies, { greet: '^1.0.0' })
  assert.ok(!fs.existsSync(path.join(project.dir, 'node_modules/other')))
  assert.equal(readJson(lockPath(project)).packages['node_modules/other'], undefined)
  project.cleanup()
})

test('ETARGET says which package, which range and who asked', async () => {
  const project = makeProject({ dependencies: { greet: '^1.0.0', words: '^9.0.0' } })
  await assert.rejects(install(options(project)), (err) => {
    assert.equal(err.code, 'ETARGET')
    assert.deepEqual([err.package, err.spec, err.requiredBy], ['words', '^9.0.0', 'the root project'])
    return true
  })
  project.cleanup()
})

test('lockfileOnly writes package-lock.json and leaves node_modules alone', async () => {
  const project = makeProject({ dependencies: { greet: '^1.0.0' } })
  const summary = await install(options(project, { lockfileOnly: true }))
  assert.equal(summary.resolved, true)
  assert.equal(readJson(lockPath(project)).packages['node_modules/words'].version, '1.1.0')
  assert.ok(!fs.existsSync(path.join(project.dir, 'node_modules')))
  project.cleanup()
})

test('why() returns the chains of dependents as data, up to the project', async () => {
  const project = makeProject({ dependencies: { greet: '^1.0.0', other: '1.0.0' } })
  await install(options(project))
  const found = await why('words', { cwd: project.dir })
  assert.deepEqual(
    found.map((e) => `${e.location} ${e.version}`),
    ['node_modules/other/node_modules/words 2.0.0', 'node_modules/words 1.1.0'],
  )
  const hoisted = found[1]
  assert.equal(hoisted.dependents.length, 1)
  const edge = hoisted.dependents[0]
  assert.deepEqual([edge.type, edge.name, edge.spec, edge.from.name], ['prod', 'words', '^1.0.0', 'greet'])
  const up = edge.from.dependents[0]
  assert.equal(up.from.isRoot, true)
  assert.equal(up.spec, '^1.0.0')
  assert.deepEqual(await why('words@^2', { cwd: project.dir }).then((l) => l.map((e) => e.version)), ['2.0.0'])
  assert.deepEqual(await why('nothing-like-it', { cwd: project.dir }), [])
  project.cleanup()
})

test('list() is npm ls --json: the same object npm 11 prints', async (t) => {
  const project = makeProject({ dependencies: { greet: '^1.0.0', other: '1.0.0' } })
  await install(options(project))
  const ours = await list({ cwd: project.dir, all: true })
  assert.equal(ours.dependencies.greet.dependencies.words.version, '1.1.0')
  assert.equal(ours.dependencies.other.dependencies.words.version, '2.0.0')
  const npm = NPMS[0]
  const r = await npmRun(npm, ['ls', '--json', '--all'], project, registry)
  assert.equal(r.status, 0, r.out)
  // JSON round trip: fields left undefined are not there, as in npm's output.
  assert.deepEqual(JSON.parse(JSON.stringify(ours)), JSON.parse(r.stdout))
  // Problems are data, not a rejection.
  fs.rmSync(path.join(project.dir, 'node_modules/greet'), { recursive: true })
  const broken = await list({ cwd: project.dir })
  assert.equal(broken.error.code, 'ELSPROBLEMS')
  assert.equal(broken.dependencies.greet.missing, true)
  assert.match(broken.problems.join('\n'), /missing: greet@\^1\.0\.0/)
  // Filtered by name, as `npm ls words`.
  const only = await list({ cwd: project.dir, names: ['words'] })
  assert.deepEqual(Object.keys(only.dependencies), ['other', 'words'])
  t.diagnostic(`npm: ${npm.label}`)
  project.cleanup()
})

test("CI in the caller's environment changes nothing the engine does", async () => {
  const run = async (ci) => {
    const saved = process.env.CI
    if (ci) process.env.CI = 'true'
    else delete process.env.CI
    try {
      const project = makeProject({ dependencies: { greet: '^1.0.0' } })
      const first = await install(options(project))
      // A lockfile package.json no longer matches: install resolves again (ci would refuse).
      const json = pkgJson(project)
      json.dependencies.other = '1.0.0'
      fs.writeFileSync(path.join(project.dir, 'package.json'), JSON.stringify(json, null, 2))
      const second = await install(options(project))
      const lock = fs.readFileSync(lockPath(project), 'utf8')
      project.cleanup()
      const strip = ({ timings, maxParallelLinks, ...rest }) => rest
      return { first: strip(first), second: strip(second), lock }
    } finally {
      if (saved === undefined) delete process.env.CI
      else process.env.CI = saved
    }
  }
  const without = await run(false)
  const withCi = await run(true)
  assert.equal(withCi.second.resolved, true)
  assert.deepEqual(withCi, without)
})
