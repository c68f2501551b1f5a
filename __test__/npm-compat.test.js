'use strict'
// utoo against npm itself, npm 11 and npm 12 (both pinned devDependencies, never the system
// npm), on the same fixture registry: for each shape the same package.json must give the
// same lockfile, npm must accept utoo's lockfile (`npm ci`) and utoo's tree (`npm ls --all`).

const assert = require('node:assert/strict')
const fs = require('node:fs')
const path = require('node:path')
const { test, before, after } = require('node:test')

const { install, resolve } = require('..')
const { startRegistry, pkg } = require('./helpers/registry')
const { makeProject } = require('./helpers/project')
const { NPMS, assertNpmsInstalled, agreeWithNpm, npmRun, makeTree, entries, lockText } = require('./helpers/npm-compat')

const wasm32 = { cpu: ['wasm32'] }

// Neither npm nor utoo may read the developer's ~/.npmrc, nor the npm_config_* variables an
// outer `npm test` passes down from it (omit-lockfile-registry-resolved there makes npm's own
// `npm ls` reject the dist-tag deps of the tree npm installed).
require('./helpers/isolate-config')

let registry
before(async () => {
  assertNpmsInstalled()
  registry = await startRegistry([
    // Hoisting with conflicts.
    pkg('left', '1.0.0', { dependencies: { shared: '^1.0.0' } }),
    pkg('right', '1.0.0', { dependencies: { shared: '^2.0.0' } }),
    pkg('shared', '1.0.0'),
    pkg('shared', '1.5.0'),
    pkg('shared', '2.0.0'),
    // Conflicts two levels down: each level keeps its own copy.
    pkg('outer', '1.0.0', { dependencies: { inner: '^1', shared: '^1' } }),
    pkg('inner', '1.0.0', { dependencies: { shared: '^2', leaf: '^1' } }),
    pkg('leaf', '1.0.0', { dependencies: { shared: '1.0.0' } }),
    // A new copy must not shadow the one a nested package uses.
    pkg('a', '1.0.0', { dependencies: { b: '^1', x: '^1' } }),
    pkg('b', '1.0.0', { dependencies: { c: '^1' } }),
    pkg('b', '2.0.0'),
    pkg('x', '1.0.0', { dependencies: { c: '^2' } }),
    pkg('x', '2.0.0'),
    pkg('c', '1.0.0'),
    pkg('c', '2.0.0'),
    // An edge its current copy already fails does not keep a new copy down.
    pkg('iv-a', '1.0.0', { dependencies: { 'iv-b': '1', 'iv-c': '1' } }),
    pkg('iv-b', '1.0.0', { dependencies: { 'iv-x': '^1' } }),
    pkg('iv-b', '2.0.0'),
    pkg('iv-c', '1.0.0', { dependencies: { 'iv-x': '^2' } }),
    pkg('iv-c', '2.0.0'),
    pkg('iv-x', '1.0.0'),
    pkg('iv-x', '2.0.0'),
    pkg('iv-x', '3.0.0'),
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
    // A chain of peers: each one's peer set is placed with it.
    pkg('chain-a', '1.0.0', { peerDependencies: { 'chain-b': '^1' } }),
    pkg('chain-b', '1.0.0', { peerDependencies: { 'chain-c': '>=1 <3' } }),
    pkg('chain-b', '1.1.0', { peerDependencies: { 'chain-c': '^2' } }),
    pkg('chain-c', '1.0.0', { peerDependencies: { 'chain-d': '*' } }),
    pkg('chain-c', '2.0.0', { peerDependencies: { 'chain-d': '^2' } }),
    pkg('chain-c', '3.0.0'),
    pkg('chain-d', '1.0.0'),
    pkg('chain-d', '2.0.0'),
    pkg('chain-d', '2.5.0'),
    // An alias beside a peer of the same name (a fork standing in for its original).
    pkg('bundler', '6.0.0'),
    pkg('bundler', '7.0.0'),
    pkg('bundler-fork', '6.3.0', { dependencies: { 'fork-util': '^1' } }),
    pkg('fork-util', '1.0.0'),
    pkg('bundler-plugin', '1.0.0', { peerDependencies: { bundler: '>=6' } }),
    pkg('@aaa/bundler-plugin', '1.0.0', { peerDependencies: { bundler: '^6 || ^7' }, dependencies: { 'fork-util': '^1' } }),
    // A plugin package whose plugins are optional peers and dev dependencies.
    pkg('plug-a', '1.0.0'),
    pkg('plug-b', '1.0.0', { peerDependencies: { 'plug-c': '^1' } }),
    pkg('plug-c', '1.0.0'),
    pkg('plug-d', '1.0.0'),
    // Flags: dev-only, optional-only, both.
    pkg('devtool', '1.0.0', { dependencies: { common: '^1' }, bin: { devtool: 'cli.js' } }, { 'cli.js': '#!/usr/bin/env node\n' }),
    pkg('opt', '1.0.0', { dependencies: { common: '^1' } }),
    pkg('common', '1.0.0', { license: 'MIT', engines: { node: '>=8' } }),
    // Platform packages: all stay in the lockfile.
    pkg('native', '1.0.0', { optionalDependencies: { 'native-linux': '1.0.0', 'native-win': '1.0.0' } }),
    pkg('native-linux', '1.0.0', { os: ['linux'], cpu: ['x64', 'arm64'] }),
    pkg('native-win', '1.0.0', { os: ['win32'], cpu: ['x64'] }),
    // A wasm32 binding with dependencies of its own, one shared with an installed package, one
    // conflicting with another's; and an optional plugin that cannot work without a binding.
    pkg('binding', '1.0.0', { optionalDependencies: { 'binding-wasm': '1.0.0', 'binding-wasm2': '1.0.0' } }),
    pkg('binding-wasm', '1.0.0', { ...wasm32, dependencies: { 'wasm-rt': '^1', 'shared-x': '^1', conflicted: '^2' }, optionalDependencies: { 'wasm-opt': '^1' } }),
    pkg('binding-wasm2', '1.0.0', { ...wasm32, dependencies: { 'wasm-rt': '^1' } }),
    pkg('wasm-rt', '1.0.0', { dependencies: { 'wasm-core': '^1' } }),
    pkg('wasm-core', '1.0.0'),
    pkg('wasm-opt', '1.0.0'),
    pkg('shared-x', '1.0.0'),
    pkg('conflicted', '1.0.0'),
    pkg('conflicted', '2.0.0'),
    pkg('other', '1.0.0', { dependencies: { 'shared-x': '^1', conflicted: '^1' } }),
    pkg('wasm-plugin', '1.0.0', { dependencies: { 'binding-wasm3': '^1', 'plugin-helper': '^1' } }),
    pkg('binding-wasm3', '1.0.0', wasm32),
    pkg('plugin-helper', '1.0.0'),
    // Dist-tags and prereleases.
    pkg('tagged', '1.0.0'),
    pkg('tagged', '2.0.0-beta.1'),
    pkg('tagged', '1.1.0'),
    pkg('@scope/thing', '1.0.0', { dependencies: { tagged: '>=1.0.0' }, funding: 'https://example.invalid/fund' }),
    pkg('lagging', '1.0.0'),
    pkg('lagging', '1.2.0'),
    pkg('lagging', '2.0.0'),
    pkg('lagging', '3.0.0-rc.1'),
    pkg('pre-user', '1.0.0', { dependencies: { lagging: '^3.0.0-rc.0' } }),
    // A package whose peer conflicts with the root's pin: it nests with its own peer.
    pkg('old-host-user', '1.0.0', { dependencies: { plugin: '1' } }),
    // A package whose peer the root's copy fails: it stays beside the copy its peer needs,
    // unless --legacy-peer-deps makes the peer no edge at all.
    pkg('kv', '4.0.0'),
    pkg('kv', '5.0.0'),
    pkg('bigmap', '1.0.0', { peerDependencies: { kv: '^5' } }),
    pkg('kvmem', '1.0.0', { dependencies: { kv: '^5', bigmap: '^1' } }),
    // A published package.json with fields npm copies into any entry (pkijs ships `workspaces`).
    pkg('published-ws', '1.0.0', { workspaces: ['website'], acceptDependencies: { common: '^2' }, dependencies: { common: '^1' } }),
    pkg('published-empty-ws', '1.0.0', { workspaces: [] }),
    // A root copy that serves one dependent and not another (a tree that grew over time).
    pkg('loose-user', '1.0.0', { dependencies: { shared: '^1.0.0' } }),
    pkg('strict-user', '1.0.0', { dependencies: { shared: '^1.5.0' } }),
    // An optional peer the requester's own copy meets (a nested one) does not keep its
    // dependent off the root; once there, its peer replaces the root's copy, whose one user
    // nests its own (ant-design's tree: @conventional-changelog/git-client and
    // conventional-commits-parser beside @commitlint/parse).
    pkg('parser', '5.0.0'),
    pkg('parser', '6.4.0'),
    pkg('@a/parse', '1.0.0', { dependencies: { parser: '^5' } }),
    pkg('@a/read', '1.0.0', { dependencies: { raw: '^0.1' } }),
    pkg('core', '1.0.0', { dependencies: { parser: '^6', raw: '^1', sem: '^1' } }),
    pkg('raw', '0.1.0'),
    pkg('raw', '1.0.0', { dependencies: { gc: '^2' } }),
    pkg('sem', '1.0.0', { dependencies: { gc: '^2' } }),
    pkg('gc', '2.0.0', { peerDependencies: { parser: '^6.4' }, peerDependenciesMeta: { parser: { optional: true } } }),
    // Optional and required at once; install scripts, deprecations.
    pkg('both-ways', '1.0.0', { dependencies: { common: '^1', opt: '^1' }, optionalDependencies: { opt: '^1' } }),
    pkg('scripted', '1.0.0', { scripts: { postinstall: 'node -e 0' }, dependencies: { 'old-api': '^1' } }),
    pkg('old-api', '1.0.0', { deprecated: 'use new-api' }),
  ], {
    distTags: {
      tagged: { next: '2.0.0-beta.1' },
      // `latest` behind the highest version: a range it satisfies takes it.
      lagging: { latest: '1.0.0', next: '3.0.0-rc.1' },
    },
  })
})
after(() => {
  return registry.close()
})

const shapes = {
  'nested conflicts': { dependencies: { left: '^1', right: '^1' } },
  'conflicts two levels down': { dependencies: { outer: '^1', shared: '^2' } },
  'shadowing': { dependencies: { a: '1', b: '^2', c: '^1', x: '^2' } },
  'an invalid edge does not object to a placement': { dependencies: { 'iv-a': '1', 'iv-b': '2', 'iv-c': '2', 'iv-x': '^3' } },
  'peers': { dependencies: { plugin: '1' } },
  'a top-level override pins every copy': { dependencies: { left: '^1', right: '^1' }, overrides: { shared: '1.0.0' } },
  'a nested override applies under its package only': { dependencies: { left: '^1', right: '^1' }, overrides: { left: { shared: '1.0.0' } } },
  'an override by reference to a direct dependency': { dependencies: { outer: '^1', shared: '^2' }, overrides: { shared: '$shared' } },
  'a peer placed before the project pins it': { dependencies: { '@aaa/loose-plugin': '1', host: '~2.1.0' } },
  "a peer takes its dependent's requester's range": { dependencies: { tool: '1' } },
  'a deep peer chain': { dependencies: { 'chain-a': '1' } },
  'a deep peer chain under a root pin': { dependencies: { 'chain-a': '1', 'chain-d': '~2.0.0' } },
  'an alias beside a peer of its name': { dependencies: { bundler: 'npm:bundler-fork@^6', 'bundler-plugin': '^1' } },
  'a peer placed before the alias of its name': { dependencies: { '@aaa/bundler-plugin': '1', bundler: 'npm:bundler-fork@^6' } },
  'root peers beside dev and prod deps': {
    peerDependencies: { 'plug-a': '^1', 'plug-b': '^1', 'plug-c': '^1', 'plug-d': '^1' },
    peerDependenciesMeta: { 'plug-a': { optional: true }, 'plug-b': { optional: true }, 'plug-d': { optional: true } },
    devDependencies: { 'plug-a': '^1', 'plug-b': '^1', common: '^1' },
    dependencies: { common: '^1' },
  },
  'dev optional flags': { dependencies: { '@scope/thing': '1' }, devDependencies: { devtool: '1' }, optionalDependencies: { opt: '1' } },
  'platform optionals': { dependencies: { native: '1' } },
  'platform optionals with dependencies': { dependencies: { binding: '1', other: '1' }, optionalDependencies: { 'wasm-plugin': '1' } },
  'a peer conflict below the root nests with its dependent': { dependencies: { host: '3', 'old-host-user': '1' } },
  'a peer the root copy fails keeps its dependent below': { dependencies: { kv: '^4', kvmem: '^1' } },
  "a dependency's own workspaces field": { dependencies: { 'published-ws': '1', 'published-empty-ws': '1' } },
  "an optional peer the requester's copy meets, then a root copy replaced": { dependencies: { '@a/parse': '1', '@a/read': '1', core: '1' } },
  'optional and required at once': { dependencies: { 'both-ways': '1', opt: '1' }, optionalDependencies: { opt: '1' } },
  'install scripts and deprecations': { dependencies: { scripted: '1' } },
  "a dev dependency's peer beside a prod pin": { dependencies: { host: '~2.1.0' }, devDependencies: { plugin: '1', '@aaa/loose-plugin': '1' } },
  'a project mixing all of it': {
    dependencies: { left: '^1', right: '^1', a: '1', b: '^2', tool: '1', plugin: '1', '@scope/thing': '1', binding: '1', other: '1', 'pre-user': '1' },
    devDependencies: { devtool: '1', 'bundler-plugin': '1', bundler: 'npm:bundler-fork@^6', 'chain-a': '1' },
    optionalDependencies: { 'wasm-plugin': '1', opt: '1' },
  },
  'aliases and tags': { dependencies: { renamed: 'npm:shared@^2', tagged: 'latest' } },
  'dist-tags and prereleases': { dependencies: { tagged: 'next', lagging: '*', 'pre-user': '1' }, devDependencies: { 'renamed-next': 'npm:lagging@next' } },
}

for (const [name, packageJson] of Object.entries(shapes)) {
  test(`agrees with npm 11 and npm 12: ${name}`, async (t) => {
    await agreeWithNpm(t, { registry, files: { 'package.json': packageJson } })
  })
}

test("agrees with npm 11 and npm 12: a project .npmrc's legacy-peer-deps lets that dependent hoist", async (t) => {
  // npm ls flags the peer npm itself left unmet (kv@4 beside bigmap): utoo's tree must show
  // exactly that, nothing more.
  await agreeWithNpm(t, {
    registry,
    lsAsNpm: true,
    files: { 'package.json': { dependencies: { kv: '^4', kvmem: '^1' } }, '.npmrc': 'legacy-peer-deps=true\n' },
  })
})

// An existing lockfile (npm's, for the first package.json) is where both start from when
// package.json changes: npm keeps every locked package in place and fixes only what is
// missing or invalid, so the tree keeps the shape it grew.
const fromLock = {
  'a dependency added beside a nested copy': [{ shared: '1.0.0', 'strict-user': '1' }, { 'strict-user': '1', 'loose-user': '1' }],
  'a root pin raised past its users': [{ shared: '1.0.0', 'strict-user': '1', 'loose-user': '1' }, { shared: '^2', 'strict-user': '1', 'loose-user': '1' }],
  'a dependency removed': [{ left: '^1', right: '^1', 'loose-user': '1' }, { right: '^1', 'loose-user': '1' }],
  'a conflicting dependency added': [{ left: '^1' }, { left: '^1', right: '^1' }],
  'a range narrowed below the locked version': [{ shared: '^1', 'loose-user': '1' }, { shared: '~1.0.0', 'loose-user': '1' }],
  'a peer host added later': [{ plugin: '1' }, { plugin: '1', host: '~2.1.0', 'old-host-user': '1' }],
}

for (const [name, [first, then]] of Object.entries(fromLock)) {
  test(`agrees with npm 11 and npm 12 from an existing lockfile: ${name}`, async (t) => {
    for (const npm of NPMS) {
      await t.test(npm.label, async () => {
        const base = makeTree({ 'package.json': { dependencies: first } })
        t.after(() => base.cleanup())
        const made = await npmRun(npm, ['install', '--package-lock-only'], base, registry)
        assert.equal(made.status, 0, made.out)
        const lock = fs.readFileSync(path.join(base.dir, 'package-lock.json'), 'utf8')
        const ours = makeTree({ 'package.json': { dependencies: then }, 'package-lock.json': lock })
        const theirs = makeTree({ 'package.json': { dependencies: then }, 'package-lock.json': lock })
        t.after(() => ours.cleanup())
        t.after(() => theirs.cleanup())
        await resolve({ cwd: ours.dir, registry: registry.url, cacheDir: ours.cache })
        const r = await npmRun(npm, ['install', '--package-lock-only'], theirs, registry)
        assert.equal(r.status, 0, r.out)
        assert.deepEqual(entries(ours), entries(theirs))
        assert.equal(lockText(ours), lockText(theirs))
      })
    }
  })
}

test('utoo finds nothing to do on the tree npm ci built from its lockfile', async (t) => {
  for (const npm of NPMS) {
    await t.test(npm.label, async () => {
      const project = makeProject({
        dependencies: { left: '^1', right: '^1', plugin: '1', native: '1', renamed: 'npm:shared@^2', binding: '1' },
        devDependencies: { devtool: '1' },
      })
      try {
        const summary = await install({ cwd: project.dir, registry: registry.url, cacheDir: project.cache })
        assert.ok(summary.packages > 5)
        const lockBefore = fs.readFileSync(path.join(project.dir, 'package-lock.json'), 'utf8')
        const ci = await npmRun(npm, ['ci'], project, registry)
        assert.equal(ci.status, 0, ci.out)
        const again = await install({ cwd: project.dir, registry: registry.url, cacheDir: project.cache })
        assert.equal(again.resolved, false)
        assert.equal(fs.readFileSync(path.join(project.dir, 'package-lock.json'), 'utf8'), lockBefore)
      } finally {
        project.cleanup()
      }
    })
  }
})
