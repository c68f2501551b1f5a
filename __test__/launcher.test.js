'use strict'
// install.js (postinstall) on an installed layout: node_modules/utoo next to its platform
// package. The native executable replaces the JS launcher only when it answers with our
// version; anything else keeps the launcher.

const assert = require('node:assert/strict')
const { execFileSync, spawnSync } = require('node:child_process')
const fs = require('node:fs')
const os = require('node:os')
const path = require('node:path')
const { test } = require('node:test')

const { platformPackage } = require('../install.js')
const { nativeUtoo } = require('./helpers/native')

const ROOT = path.join(__dirname, '..')
const VERSION = require('../package.json').version

/** A project with utoo installed as npm would lay it out; `exe` becomes the platform binary. */
function installedLayout(writeExe) {
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'utoo-launcher-'))
  const pkg = path.join(dir, 'node_modules', 'utoo')
  fs.mkdirSync(path.join(pkg, 'bin'), { recursive: true })
  for (const f of ['package.json', 'install.js', 'bin/utoo']) fs.copyFileSync(path.join(ROOT, f), path.join(pkg, f))
  const platform = path.join(dir, 'node_modules', platformPackage())
  fs.mkdirSync(platform, { recursive: true })
  fs.writeFileSync(path.join(platform, 'package.json'), JSON.stringify({ name: platformPackage(), version: VERSION }))
  if (writeExe) writeExe(path.join(platform, 'utoo'))
  fs.mkdirSync(path.join(dir, 'node_modules', '.bin'))
  fs.symlinkSync('../utoo/bin/utoo', path.join(dir, 'node_modules', '.bin', 'utoo'))
  return { dir, pkg, launcher: path.join(pkg, 'bin', 'utoo') }
}

function postinstall(pkg) {
  return spawnSync(process.execPath, ['install.js'], { cwd: pkg, encoding: 'utf8', env: { ...process.env, UTOO_LOG: '1' } })
}

const isElf = (file) => fs.readFileSync(file).subarray(0, 4).equals(Buffer.from([0x7f, 0x45, 0x4c, 0x46]))

test('the native executable replaces the launcher and runs through .bin', { skip: process.platform !== 'linux' }, () => {
  const { dir, launcher } = installedLayout((exe) => fs.copyFileSync(nativeUtoo(), exe))
  const before = fs.statSync(launcher).ino
  const run = postinstall(path.dirname(path.dirname(launcher)))
  assert.equal(run.status, 0, run.stderr)
  assert.equal(run.stderr, '', 'nothing to explain when it worked')
  assert.ok(isElf(launcher), 'bin/utoo is the native executable now')
  assert.notEqual(fs.statSync(launcher).ino, before, 'renamed over, the old inode untouched')
  assert.equal(fs.statSync(launcher).mode & 0o111, 0o111)
  const version = execFileSync(path.join(dir, 'node_modules', '.bin', 'utoo'), ['--version'], { encoding: 'utf8' })
  assert.equal(version.trim(), `utoo ${VERSION}`)
  assert.deepEqual(fs.readdirSync(path.dirname(launcher)), ['utoo'], 'no staging file left')
})

test('a platform binary that does not answer with our version keeps the launcher', () => {
  const { pkg, launcher } = installedLayout((exe) => {
    fs.writeFileSync(exe, '#!/bin/sh\necho "utoo 0.0.0-other"\n')
    fs.chmodSync(exe, 0o755)
  })
  const launcherText = fs.readFileSync(launcher, 'utf8')
  const run = postinstall(pkg)
  assert.equal(run.status, 0)
  assert.match(run.stderr, /keeping the Node launcher .*answered "utoo 0\.0\.0-other"/)
  assert.equal(fs.readFileSync(launcher, 'utf8'), launcherText)
})

test('no platform package, or a source checkout: the launcher stays', () => {
  const { pkg, launcher } = installedLayout(null)
  fs.rmSync(path.join(pkg, '..', platformPackage()), { recursive: true })
  const text = fs.readFileSync(launcher, 'utf8')
  const run = postinstall(pkg)
  assert.equal(run.status, 0)
  assert.match(run.stderr, /is not installed/)
  assert.equal(fs.readFileSync(launcher, 'utf8'), text)

  assert.match(postinstall(ROOT).stderr, /source checkout/)
  assert.match(fs.readFileSync(path.join(ROOT, 'bin', 'utoo'), 'utf8'), /runCli/)
})
