#!/usr/bin/env node
'use strict'
// `npm test`: checks formatting, builds the addon, lints every crate (warnings fail), then runs
// every Rust test and every JS test. Hermetic by default: the one end-to-end test that uses
// the configured registry (__test__/e2e-registry.test.js) runs only with UTOO_NETWORK_TESTS=1.

const { spawnSync } = require('node:child_process')
const path = require('node:path')

const root = path.join(__dirname, '..')
function step(title, cmd, args) {
  console.log(`\n== ${title}: ${cmd} ${args.join(' ')}`)
  const result = spawnSync(cmd, args, { cwd: root, stdio: 'inherit' })
  if (result.status !== 0) {
    console.error(`\n${title} failed (exit ${result.status ?? result.signal})`)
    process.exit(result.status || 1)
  }
}

// Formatting first: it needs no build, so a mis-formatted change fails in a second.
step('formatting', 'cargo', ['fmt', '--all', '--check'])
step('build the addon (debug)', 'npx', ['napi', 'build', '--platform'])
// index.d.ts and index.js are generated from the Rust types: a build must not change them.
if (spawnSync('git', ['rev-parse', '--git-dir'], { cwd: root }).status === 0) {
  step('generated typings are committed', 'git', ['diff', '--exit-code', '--', 'index.d.ts', 'index.js'])
}
// The lint set is `[workspace.lints]` in the root Cargo.toml.
step('lints', 'cargo', ['clippy', '--workspace', '--all-targets', '--', '-D', 'warnings'])
step('Rust tests', 'cargo', ['test', '--workspace', '--quiet'])
// Bounded fuzzing: 4000 cases per property (about 15 s here) on top of the 256 above.
process.env.UTOO_FUZZ_CASES = process.env.UTOO_FUZZ_CASES || '4000'
step('fuzzing (proptest, UTOO_FUZZ_CASES=' + process.env.UTOO_FUZZ_CASES + ')', 'cargo', [
  'test', '--quiet', '-p', 'utoo-manifest', '-p', 'utoo-lockfile', '-p', 'utoo-tarball', '--test', 'fuzz',
])
step('JS tests', process.execPath, ['--test', '__test__/'])
