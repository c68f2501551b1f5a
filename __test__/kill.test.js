'use strict'
// `kill -9` at many points of an install, on the same project and cache, then one run to the
// end: the tree must be whole (npm ls clean, every package loads as its locked version) and
// the cache must hold no partial entry. A failed or killed install leaves a state the next
// run repairs.

const assert = require('node:assert/strict')
const { spawn } = require('node:child_process')
const fs = require('node:fs')
const path = require('node:path')
const { test, before, after } = require('node:test')

const { startRegistry, pkg } = require('./helpers/registry')
const { makeProject, readJson } = require('./helpers/project')

const BIN = path.join(__dirname, '..', 'bin', 'utoo.js')
const KILL_POINTS = 24
let registry

// A tree deep enough to need several round trips, with files enough to keep linking busy.
function fixture() {
  const packages = []
  const files = {}
  for (let f = 0; f < 20; f++) files[`lib/file${f}.js`] = `module.exports = ${f}\n`.repeat(50)
  for (let i = 0; i < 30; i++) {
    const deps = i < 25 ? { [`dep${i + 5}`]: '^1.0.0' } : {}
    packages.push(pkg(`dep${i}`, '1.0.0', { dependencies: deps }, files))
    packages.push(pkg(`dep${i}`, '1.1.0', { dependencies: deps }, files))
  }
  packages.push(pkg('tool', '1.0.0', { bin: { tool: 'cli.js' } }, { 'cli.js': '#!/usr/bin/env node\nconsole.log("tool ok")\n' }))
  return packages
}

before(async () => {
  registry = await startRegistry(fixture(), { delayMs: 10 })
})
after(() => registry.close())

function utoo(project, args) {
  const child = spawn(process.execPath, [BIN, ...args, '--registry', registry.url, '--cache-dir', project.cache], {
    cwd: project.dir,
    env: { ...process.env, CI: '1' },
  })
  let out = ''
  child.stdout.on('data', (d) => (out += d))
  child.stderr.on('data', (d) => (out += d))
  const done = new Promise((resolve) => child.on('close', (status, signal) => resolve({ status, signal, out })))
  return { child, done }
}

function run(cmd, args, cwd) {
  return new Promise((resolve) => {
    const child = spawn(cmd, args, { cwd, env: { ...process.env, npm_config_update_notifier: 'false' } })
    let out = ''
    child.stdout.on('data', (d) => (out += d))
    child.stderr.on('data', (d) => (out += d))
    child.on('close', (status) => resolve({ status, out }))
  })
}

// Every cache entry is a whole package: its package.json parses and every file is non-empty.
function assertCacheWhole(cache) {
  const store = path.join(cache, 'store-v1')
  let entries = 0
  for (const algo of fs.readdirSync(store)) {
    for (const xx of fs.readdirSync(path.join(store, algo))) {
      for (const rest of fs.readdirSync(path.join(store, algo, xx))) {
        // `<entry>.files` is the entry's file list, checked by every lookup.
        if (rest.endsWith('.files')) continue
        const entry = path.join(store, algo, xx, rest)
        readJson(path.join(entry, 'package.json'))
        for (const f of fs.readdirSync(entry, { recursive: true })) {
          const stat = fs.statSync(path.join(entry, f))
          if (stat.isFile()) assert.ok(stat.size > 0, `${entry}/${f} is empty`)
        }
        entries++
      }
    }
  }
  return entries
}

test(`kill -9 at ${KILL_POINTS} points of an install, then the next run repairs everything`, { timeout: 240_000 }, async () => {
  const packageJson = { dependencies: { tool: '1' } }
  for (let i = 0; i < 5; i++) packageJson.dependencies[`dep${i}`] = '^1.0.0'
  // How long a whole cold install takes here, to spread the kill points over it.
  const probe = makeProject(packageJson)
  const started = Date.now()
  const first = await utoo(probe, ['install']).done
  assert.equal(first.status, 0, first.out)
  const span = Math.max(Date.now() - started, 200)
  probe.cleanup()

  const project = makeProject(packageJson)
  let killed = 0
  for (let i = 0; i < KILL_POINTS; i++) {
    // Every few rounds start from an empty cache or without node_modules, so kills land in
    // downloads and extraction as well as in linking, bins and the lockfile write.
    if (i % 6 === 3) fs.rmSync(project.cache, { recursive: true, force: true })
    if (i % 6 === 5) fs.rmSync(path.join(project.dir, 'node_modules'), { recursive: true, force: true })
    const { child, done } = utoo(project, ['install'])
    const at = Math.round((span * (i + 1)) / (KILL_POINTS + 1))
    const timer = setTimeout(() => child.kill('SIGKILL'), at)
    const result = await done
    clearTimeout(timer)
    if (result.signal === 'SIGKILL') killed++
    else assert.equal(result.status, 0, `run ${i} ended on its own but failed:\n${result.out}`)
  }
  console.log(`killed ${killed} of ${KILL_POINTS} runs; a whole install takes ${span} ms`)
  assert.ok(killed >= KILL_POINTS / 2, `only ${killed} of ${KILL_POINTS} runs were killed mid-way`)

  const last = await utoo(project, ['install']).done
  assert.equal(last.status, 0, last.out)
  const lock = readJson(path.join(project.dir, 'package-lock.json'))
  for (const [key, entry] of Object.entries(lock.packages)) {
    if (!key) continue
    const installed = readJson(path.join(project.dir, key, 'package.json'))
    assert.equal(installed.version, entry.version, key)
    const loaded = require(path.join(project.dir, key))
    assert.equal(loaded.version, entry.version, `${key} loads`)
    if (key.startsWith('node_modules/dep')) {
      for (let f = 0; f < 20; f++) assert.ok(fs.statSync(path.join(project.dir, key, `lib/file${f}.js`)).size > 0, `${key} file${f}`)
    }
  }
  const bin = await run(path.join(project.dir, 'node_modules', '.bin', 'tool'), [], project.dir)
  assert.equal(bin.out.trim(), 'tool ok')
  const ls = await run('npm', ['ls', '--all', '--registry', registry.url], project.dir)
  assert.equal(ls.status, 0, ls.out)
  assert.doesNotMatch(ls.out, /invalid|missing|extraneous|ERR/i)
  assert.ok(assertCacheWhole(project.cache) >= 6)
  project.cleanup()
})
