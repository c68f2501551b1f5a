'use strict'
// npm 12's install-script policy as the JS API reports it: skipped dependencies are data in
// the summary (`scriptsNotRun`) and an ESCRIPTSNOTRUN warning; allowed ones run.

const assert = require('node:assert/strict')
const fs = require('node:fs')
const path = require('node:path')
const { test, before, after } = require('node:test')

require('./helpers/isolate-config')

const { install } = require('..')
const { startRegistry, pkg } = require('./helpers/registry')
const { makeProject } = require('./helpers/project')

let registry
before(async () => {
  registry = await startRegistry([
    pkg('scripted', '1.0.0', { scripts: { postinstall: 'node -e "require(\'fs\').writeFileSync(\'ran\', \'\')"' } }),
  ])
})
after(() => registry.close())

function options(project) {
  return { cwd: project.dir, registry: registry.url, cacheDir: project.cache }
}

test('an unlisted dependency does not run its scripts and is reported', async () => {
  const project = makeProject({ dependencies: { scripted: '1' } })
  const summary = await install(options(project))
  assert.deepEqual(summary.scriptsNotRun, [{ package: 'scripted@1.0.0', scripts: ['postinstall'], denied: false }])
  assert.deepEqual(
    summary.warnings.filter((w) => w.code === 'ESCRIPTSNOTRUN').map((w) => w.message),
    ['scripts not run: scripted@1.0.0 (postinstall)'],
  )
  assert.equal(fs.existsSync(path.join(project.dir, 'node_modules/scripted/ran')), false)
  project.cleanup()
})

test('allowScripts lets it run', async () => {
  const project = makeProject({ dependencies: { scripted: '1' }, allowScripts: { scripted: true } })
  const summary = await install(options(project))
  assert.deepEqual(summary.scriptsNotRun, [])
  assert.equal(fs.existsSync(path.join(project.dir, 'node_modules/scripted/ran')), true)
  project.cleanup()
})
