'use strict'
// `utoo outdated` against npm 11's and npm 12's on one tree utoo installed: the same rows (human
// table and --json), with --all, with names, and the same exit code.

const assert = require('node:assert/strict')
const fs = require('node:fs')
const path = require('node:path')
const { test, before, after } = require('node:test')

require('./helpers/isolate-config')

const { install } = require('..')
const { startRegistry, pkg } = require('./helpers/registry')
const { NPMS, assertNpmsInstalled, makeTree, npmRun } = require('./helpers/npm-compat')
const { utoo } = require('./helpers/cli')


let registry
before(async () => {
  assertNpmsInstalled()
  registry = await startRegistry([
    pkg('fresh', '1.0.0'),
    pkg('stale', '1.0.0'),
    pkg('stale', '1.1.0'),
    pkg('stale', '2.0.0'),
    pkg('holder', '1.0.0', { dependencies: { stale: '1.0.0' } }),
    pkg('lagging', '1.0.0'),
    pkg('lagging', '1.5.0'),
    pkg('lagging', '2.0.0'),
    pkg('devthing', '3.0.0'),
    pkg('devthing', '3.2.0'),
    pkg('absent', '1.0.0'),
  ], { distTags: { lagging: { latest: '1.0.0' } } })
})
after(() => registry.close())


test('outdated: the same table, JSON and exit code as npm 11 and npm 12', async (t) => {
  // Installed at old versions, then package.json widened, so current < wanted < latest; one
  // dependency added without installing (MISSING), one whose latest tag lags its highest.
  const project = makeTree({
    'package.json': {
      dependencies: { fresh: '1', stale: '1.0.0', holder: '1', lagging: '1.0.0', renamed: 'npm:stale@1.0.0' },
      devDependencies: { devthing: '3.0.0' },
    },
  })
  t.after(() => project.cleanup())
  await install({ cwd: project.dir, registry: registry.url, cacheDir: project.cache })
  const manifest = path.join(project.dir, 'package.json')
  const widened = JSON.parse(fs.readFileSync(manifest, 'utf8'))
  Object.assign(widened.dependencies, { stale: '^1', lagging: '^1', renamed: 'npm:stale@^1', absent: '^1' })
  widened.devDependencies.devthing = '^3'
  fs.writeFileSync(manifest, JSON.stringify(widened, null, 2) + '\n')

  const runs = [['outdated'], ['outdated', '--json'], ['outdated', '--all', '--json'], ['outdated', 'stale', '--json'], ['outdated', '--all']]
  for (const npm of NPMS) {
    for (const args of runs) {
      await t.test(`${npm.label}: ${args.join(' ')}`, async () => {
        const ours = await utoo(project.dir, ['--registry', registry.url, '--cache-dir', project.cache, ...args])
        const theirs = await npmRun(npm, args, project, registry)
        assert.equal(ours.status, theirs.status, `${ours.out}\n--- npm:\n${theirs.out}`)
        assert.equal(ours.status, 1)
        if (args.includes('--json')) {
          assert.deepEqual(JSON.parse(ours.stdout), JSON.parse(theirs.stdout))
        } else {
          assert.equal(ours.stdout, theirs.stdout)
        }
      })
    }
  }
})

test('outdated with nothing outdated prints nothing and exits 0', async (t) => {
  const project = makeTree({ 'package.json': { dependencies: { fresh: '1' } } })
  t.after(() => project.cleanup())
  await install({ cwd: project.dir, registry: registry.url, cacheDir: project.cache })
  const r = await utoo(project.dir, ['--registry', registry.url, '--cache-dir', project.cache, 'outdated'])
  assert.equal(r.status, 0, r.out)
  assert.equal(r.stdout, '')
})
