'use strict'
// utoo against npm itself on the same fixture registry: the same package.json must give the
// same lockfile, npm must accept utoo's lockfile (`npm ci`) and utoo's tree (`npm ls`).

const assert = require('node:assert/strict')
const { spawn } = require('node:child_process')
const fs = require('node:fs')
const path = require('node:path')
const { test, before, after } = require('node:test')

const { install, resolve } = require('..')
const { startRegistry, pkg } = require('./helpers/registry')
const { makeProject, readJson } = require('./helpers/project')

let registry
before(async () => {
  registry = await startRegistry([
    // Hoisting with conflicts.
    pkg('left', '1.0.0', { dependencies: { shared: '^1.0.0' } }),
    pkg('right', '1.0.0', { dependencies: { shared: '^2.0.0' } }),
    pkg('shared', '1.0.0'),
    pkg('shared', '1.5.0'),
    pkg('shared', '2.0.0'),
    // A new copy must not shadow the one a nested package uses.
    pkg('a', '1.0.0', { dependencies: { b: '^1', x: '^1' } }),
    pkg('b', '1.0.0', { dependencies: { c: '^1' } }),
    pkg('b', '2.0.0'),
    pkg('x', '1.0.0', { dependencies: { c: '^2' } }),
    pkg('x', '2.0.0'),
    pkg('c', '1.0.0'),
    pkg('c', '2.0.0'),
    // Peers, optional peers.
    pkg('host', '2.1.0'),
    pkg('plugin', '1.0.0', { peerDependencies: { host: '^2.0.0', maybe: '*' }, peerDependenciesMeta: { maybe: { optional: true } } }),
    pkg('maybe', '1.0.0'),
    pkg('host', '3.0.0'),
    pkg('@aaa/loose-plugin', '1.0.0', { peerDependencies: { host: '>=2' } }),
    pkg('tool', '1.0.0', { dependencies: { helper: '1', engine: '^1' } }),
    pkg('helper', '1.0.0', { peerDependencies: { engine: '>=1' } }),
    pkg('engine', '1.2.0'),
    pkg('engine', '2.0.0'),
    // Flags: dev-only, optional-only, both.
    pkg('devtool', '1.0.0', { dependencies: { common: '^1' }, bin: { devtool: 'cli.js' } }, { 'cli.js': '#!/usr/bin/env node\n' }),
    pkg('opt', '1.0.0', { dependencies: { common: '^1' } }),
    pkg('common', '1.0.0', { license: 'MIT', engines: { node: '>=8' } }),
    // Platform packages: all stay in the lockfile.
    pkg('native', '1.0.0', { optionalDependencies: { 'native-linux': '1.0.0', 'native-win': '1.0.0' } }),
    pkg('native-linux', '1.0.0', { os: ['linux'], cpu: ['x64', 'arm64'] }),
    pkg('native-win', '1.0.0', { os: ['win32'], cpu: ['x64'] }),
    // Dist-tags and prereleases.
    pkg('tagged', '1.0.0'),
    pkg('tagged', '2.0.0-beta.1'),
    pkg('tagged', '1.1.0'),
    pkg('@scope/thing', '1.0.0', { dependencies: { tagged: '>=1.0.0' }, funding: 'https://example.invalid/fund' }),
  ])
})
after(() => registry.close())

function run(cmd, args, cwd) {
  return new Promise((resolvePromise) => {
    const child = spawn(cmd, args, { cwd, env: { ...process.env, npm_config_update_notifier: 'false' } })
    let out = ''
    child.stdout.on('data', (d) => (out += d))
    child.stderr.on('data', (d) => (out += d))
    child.on('close', (status) => resolvePromise({ status, out }))
  })
}

const npmFlags = (project) => [
  '--registry', registry.url, '--cache', path.join(project.dir, '.npm-cache'),
  '--no-audit', '--no-fund', '--ignore-scripts', '--loglevel=error',
]

function entries(lockPath) {
  const packages = readJson(lockPath).packages
  const out = {}
  for (const [k, v] of Object.entries(packages)) {
    const { resolved, ...rest } = v
    out[k] = rest
  }
  return out
}

const scenarios = {
  'nested conflicts': { dependencies: { left: '^1', right: '^1' } },
  'shadowing': { dependencies: { a: '1', b: '^2', c: '^1', x: '^2' } },
  'peers': { dependencies: { plugin: '1' } },
  'a peer placed before the project pins it': { dependencies: { '@aaa/loose-plugin': '1', host: '~2.1.0' } },
  "a peer takes its dependent's requester's range": { dependencies: { tool: '1' } },
  'dev optional flags': { dependencies: { '@scope/thing': '1' }, devDependencies: { devtool: '1' }, optionalDependencies: { opt: '1' } },
  'platform optionals': { dependencies: { native: '1' } },
  'aliases and tags': { dependencies: { renamed: 'npm:shared@^2', tagged: 'latest' } },
}

for (const [name, packageJson] of Object.entries(scenarios)) {
  test(`lockfile matches npm: ${name}`, async () => {
    const ours = makeProject(packageJson)
    const theirs = makeProject(packageJson)
    await resolve({ cwd: ours.dir, registry: registry.url, cacheDir: ours.cache })
    const npm = await run('npm', ['install', '--package-lock-only', ...npmFlags(theirs)], theirs.dir)
    assert.equal(npm.status, 0, npm.out)
    assert.deepEqual(entries(path.join(ours.dir, 'package-lock.json')), entries(path.join(theirs.dir, 'package-lock.json')))
    // Byte for byte, `resolved` (when written) aside.
    const text = (p) => fs.readFileSync(path.join(p.dir, 'package-lock.json'), 'utf8').replace(/^\s*"resolved": .*\n/gm, '')
    assert.equal(text(ours), text(theirs))
    ours.cleanup()
    theirs.cleanup()
  })
}

test('npm accepts the tree and the lockfile utoo writes', async () => {
  const project = makeProject({
    dependencies: { left: '^1', right: '^1', plugin: '1', native: '1', renamed: 'npm:shared@^2' },
    devDependencies: { devtool: '1' },
  })
  const summary = await install({ cwd: project.dir, registry: registry.url, cacheDir: project.cache })
  assert.ok(summary.packages > 5)
  const ls = await run('npm', ['ls', '--all', ...npmFlags(project)], project.dir)
  assert.equal(ls.status, 0, ls.out)
  assert.doesNotMatch(ls.out, /invalid|missing|extraneous|ERR/i)
  const lockBefore = fs.readFileSync(path.join(project.dir, 'package-lock.json'), 'utf8')
  const ci = await run('npm', ['ci', ...npmFlags(project)], project.dir)
  assert.equal(ci.status, 0, ci.out)
  assert.equal(fs.readFileSync(path.join(project.dir, 'package-lock.json'), 'utf8'), lockBefore, 'npm ci left the lockfile alone')
  // And utoo on npm's own tree: nothing to do but checking.
  const again = await install({ cwd: project.dir, registry: registry.url, cacheDir: project.cache })
  assert.equal(again.resolved, false)
  assert.equal(fs.readFileSync(path.join(project.dir, 'package-lock.json'), 'utf8'), lockBefore)
  project.cleanup()
})
