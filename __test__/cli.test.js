'use strict'
// `utoo` through the portable launcher: bin/utoo.js → the addon's runCli (launcher.test.js covers
// its replacement by the native executable).

const assert = require('node:assert/strict')
const fs = require('node:fs')
const path = require('node:path')
const { test, before, after } = require('node:test')

const { startRegistry, pkg } = require('./helpers/registry')
const { makeProject, readJson } = require('./helpers/project')
const { utoo } = require('./helpers/cli')

let registry
before(async () => {
  registry = await startRegistry([pkg('left-pad', '1.2.0'), pkg('left-pad', '1.3.0')])
})
after(() => registry.close())


test('--help, --version and usage errors', async () => {
  const help = await utoo(__dirname, ['--help'])
  assert.equal(help.status, 0)
  assert.match(help.stdout, /Usage: utoo/)
  const version = await utoo(__dirname, ['--version'])
  assert.equal(version.status, 0)
  assert.match(version.stdout, /utoo \d+\.\d+\.\d+/)
  const bad = await utoo(__dirname, ['install', '--definitely-not-a-flag'])
  assert.equal(bad.status, 2)
  assert.match(bad.stderr, /definitely-not-a-flag/)
})

test('install, add, ci and remove from the command line', async () => {
  const project = makeProject({ dependencies: { 'left-pad': '1.2.0' } })
  const common = ['--registry', registry.url, '--cache-dir', project.cache]
  const first = await utoo(project.dir, ['install', ...common])
  assert.equal(first.status, 0, first.stderr)
  assert.match(first.stderr, /^added 1 package in \d+m?s$/m)
  assert.equal(readJson(path.join(project.dir, 'node_modules/left-pad/package.json')).version, '1.2.0')

  const add = await utoo(project.dir, ['add', 'left-pad@^1.3.0', ...common])
  assert.equal(add.status, 0, add.stderr)
  assert.equal(readJson(path.join(project.dir, 'package.json')).dependencies['left-pad'], '^1.3.0')
  assert.equal(readJson(path.join(project.dir, 'node_modules/left-pad/package.json')).version, '1.3.0')

  fs.rmSync(path.join(project.dir, 'node_modules'), { recursive: true })
  const ci = await utoo(project.dir, ['ci', ...common])
  assert.equal(ci.status, 0, ci.stderr)
  assert.ok(fs.existsSync(path.join(project.dir, 'node_modules/left-pad/index.js')))

  const remove = await utoo(project.dir, ['remove', 'left-pad', ...common])
  assert.equal(remove.status, 0, remove.stderr)
  assert.ok(!fs.existsSync(path.join(project.dir, 'node_modules/left-pad')))
  project.cleanup()
})

test('a failed install exits 1 with the error code on stderr', async () => {
  const project = makeProject({ dependencies: { nope: '1.0.0' } })
  const run = await utoo(project.dir, ['install', '--registry', registry.url, '--cache-dir', project.cache])
  assert.equal(run.status, 1)
  assert.match(run.stderr, /error\[E404\]/)
  project.cleanup()
})

test('--lockfile-only writes package-lock.json and nothing else', async () => {
  const project = makeProject({ dependencies: { 'left-pad': '^1.0.0' } })
  const run = await utoo(project.dir, ['install', '--lockfile-only', '--registry', registry.url, '--cache-dir', project.cache])
  assert.equal(run.status, 0, run.stderr)
  assert.equal(readJson(path.join(project.dir, 'package-lock.json')).packages['node_modules/left-pad'].version, '1.3.0')
  assert.ok(!fs.existsSync(path.join(project.dir, 'node_modules')))
  project.cleanup()
})
