'use strict'
// End to end against the configured registry (npm's own config decides which): a small
// real project installs, npm finds no problem in the tree, every dependency loads and
// `.bin` entries run. Network hiccups are retried. Opt-in, so that the default run is
// hermetic: it runs only with UTOO_NETWORK_TESTS=1.

const assert = require('node:assert/strict')
const { spawn } = require('node:child_process')
const fs = require('node:fs')
const os = require('node:os')
const path = require('node:path')
const { test } = require('node:test')

const { install } = require('..')

const EXAMPLE = path.join(__dirname, '..', 'examples', 'express-api')
const SKIP = process.env.UTOO_NETWORK_TESTS === '1' ? false : 'uses the configured registry: set UTOO_NETWORK_TESTS=1 to run it'

function run(cmd, args, cwd) {
  return new Promise((resolve) => {
    const child = spawn(cmd, args, { cwd })
    let out = ''
    child.stdout.on('data', (d) => (out += d))
    child.stderr.on('data', (d) => (out += d))
    child.on('close', (status) => resolve({ status, out }))
  })
}

async function withRetries(fn, attempts = 3) {
  for (let i = 1; ; i++) {
    try {
      return await fn()
    } catch (err) {
      const transient = ['ENETWORK', 'EHTTP'].includes(err.code)
      if (!transient || i === attempts) throw err
      await new Promise((r) => setTimeout(r, 2000 * i))
    }
  }
}

test('a real project installs from the configured registry', { skip: SKIP, timeout: 600_000 }, async () => {
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'utoo-e2e-'))
  for (const file of ['package.json', 'server.js']) fs.copyFileSync(path.join(EXAMPLE, file), path.join(dir, file))
  const cacheDir = path.join(dir, '.cache')

  const summary = await withRetries(() => install({ cwd: dir, cacheDir }))
  assert.ok(summary.packages >= 30, `a real tree: ${summary.packages} packages`)
  assert.equal(summary.resolved, true)

  const ls = await run('npm', ['ls', '--all'], dir)
  assert.equal(ls.status, 0, ls.out)
  const deps = Object.keys(JSON.parse(fs.readFileSync(path.join(dir, 'package.json'), 'utf8')).dependencies)
  const load = await run(process.execPath, ['-e', `for (const d of ${JSON.stringify(deps)}) require(d); console.log('loaded')`], dir)
  assert.equal(load.status, 0, load.out)
  const check = await run(process.execPath, ['server.js', '--check'], dir)
  assert.match(check.out, /all dependencies load/)
  const tsc = await run(path.join(dir, 'node_modules', '.bin', 'tsc'), ['--version'], dir)
  assert.match(tsc.out, /Version \d/)

  // The lockfile makes the next cold install registry-free for metadata, and npm accepts it.
  fs.rmSync(path.join(dir, 'node_modules'), { recursive: true })
  const again = await withRetries(() => install({ cwd: dir, cacheDir }))
  assert.equal(again.resolved, false)
  assert.equal(again.downloaded, 0)
  const ci = await run('npm', ['ci', '--ignore-scripts', '--no-audit', '--no-fund', '--cache', path.join(dir, '.npm-cache')], dir)
  assert.equal(ci.status, 0, ci.out)
  fs.rmSync(dir, { recursive: true, force: true })
})
