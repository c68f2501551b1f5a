'use strict'
// `utoo` on an installed layout (node_modules/utoo next to its platform package) in both
// situations: install.js (postinstall) ran and put the native executable in place of
// bin/utoo, or it never ran and the sh launcher bin/utoo finds that executable and execs it;
// with no usable executable, the launcher falls back to Node (bin/utoo.js and the addon).

const assert = require('node:assert/strict')
const { execFileSync, spawnSync } = require('node:child_process')
const fs = require('node:fs')
const os = require('node:os')
const path = require('node:path')
const { test } = require('node:test')

const { platformPackage, pointShimsAtNode } = require('../install.js')
const { nativeUtoo } = require('./helpers/native')

const ROOT = path.join(__dirname, '..')
const VERSION = require('../package.json').version
const ADDON = path.join(ROOT, `${platformPackage().replace(/^utoo-/, 'utoo.')}.node`)
const unix = process.platform !== 'win32'

/** A stand-in platform executable that says it ran, and with which arguments. */
const fakeNative = (exe) => {
  fs.writeFileSync(exe, '#!/bin/sh\necho "native $*"\n')
  fs.chmodSync(exe, 0o755)
}

/**
 * A project with utoo installed as npm lays it out; `writeExe` writes the platform binary.
 * `nested`: the platform package under node_modules/utoo/node_modules instead of hoisted.
 * `addon`: the addon beside index.js, so the Node fallback can run.
 */
function installedLayout(writeExe, { nested = false, addon = false } = {}) {
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'utoo-launcher-'))
  const pkg = path.join(dir, 'node_modules', 'utoo')
  fs.mkdirSync(path.join(pkg, 'bin'), { recursive: true })
  for (const f of ['package.json', 'install.js', 'entry.js', 'index.js', 'bin/utoo', 'bin/utoo.js']) {
    fs.copyFileSync(path.join(ROOT, f), path.join(pkg, f))
  }
  if (addon) fs.copyFileSync(ADDON, path.join(pkg, path.basename(ADDON)))
  const platform = path.join(nested ? path.join(pkg, 'node_modules') : path.join(dir, 'node_modules'), platformPackage())
  fs.mkdirSync(platform, { recursive: true })
  fs.writeFileSync(path.join(platform, 'package.json'), JSON.stringify({ name: platformPackage(), version: VERSION }))
  if (writeExe) writeExe(path.join(platform, 'utoo'))
  fs.mkdirSync(path.join(dir, 'node_modules', '.bin'))
  const bin = path.join(dir, 'node_modules', '.bin', 'utoo')
  fs.symlinkSync('../utoo/bin/utoo', bin)
  return { dir, pkg, platform, bin, launcher: path.join(pkg, 'bin', 'utoo') }
}

function postinstall(pkg) {
  return spawnSync(process.execPath, ['install.js'], { cwd: pkg, encoding: 'utf8', env: { ...process.env, UTOO_LOG: '1' } })
}

/** Runs `file` as a shell would, without a shell: the kernel reads its `#!` line. */
function run(file, args, cwd = os.tmpdir()) {
  const env = { ...process.env }
  delete env.NAPI_RS_NATIVE_LIBRARY_PATH
  return spawnSync(file, args, { cwd, encoding: 'utf8', env })
}

const isElf = (file) => fs.readFileSync(file).subarray(0, 4).equals(Buffer.from([0x7f, 0x45, 0x4c, 0x46]))

test('postinstall ran: the native executable replaces the launcher and runs through .bin', { skip: process.platform !== 'linux' }, () => {
  const { bin, launcher } = installedLayout((exe) => fs.copyFileSync(nativeUtoo(), exe))
  const before = fs.statSync(launcher).ino
  const result = postinstall(path.dirname(path.dirname(launcher)))
  assert.equal(result.status, 0, result.stderr)
  assert.equal(result.stderr, '', 'nothing to explain when it worked')
  assert.ok(isElf(launcher), 'bin/utoo is the native executable now')
  assert.notEqual(fs.statSync(launcher).ino, before, 'renamed over, the old inode untouched')
  assert.equal(fs.statSync(launcher).mode & 0o111, 0o111)
  const version = execFileSync(bin, ['--version'], { encoding: 'utf8' })
  assert.equal(version.trim(), `utoo ${VERSION}`)
  assert.deepEqual(fs.readdirSync(path.dirname(launcher)).sort(), ['utoo', 'utoo.js'], 'no staging file left')
})

test('postinstall never ran: the sh launcher execs the hoisted platform executable', { skip: !unix }, () => {
  const { dir, bin, launcher } = installedLayout(fakeNative)
  assert.match(fs.readFileSync(launcher, 'utf8'), /^#!\/bin\/sh\n/)
  const direct = run(bin, ['install', '--a b', ''], dir)
  assert.equal(direct.status, 0, direct.stderr)
  assert.equal(direct.stdout, 'native install --a b \n', 'arguments passed through unchanged')
  // Relative invocation from another folder, and a chain of symlinks (a global prefix's
  // bin/utoo -> lib/node_modules/.bin/utoo -> ../utoo/bin/utoo).
  fs.mkdirSync(path.join(dir, 'prefix-bin'))
  fs.symlinkSync(path.join('..', 'node_modules', '.bin', 'utoo'), path.join(dir, 'prefix-bin', 'utoo'))
  const chained = run(path.join('prefix-bin', 'utoo'), ['--version'], dir)
  assert.equal(chained.stdout, 'native --version\n', chained.stderr)
  // pnpm's shims run `sh <package>/bin/utoo` through a symlinked package folder.
  const viaSh = run('sh', [launcher, 'ls'], dir)
  assert.equal(viaSh.stdout, 'native ls\n', viaSh.stderr)
})

test('postinstall never ran: the real native executable answers through the sh launcher', { skip: process.platform !== 'linux' }, () => {
  const { bin } = installedLayout((exe) => fs.copyFileSync(nativeUtoo(), exe))
  const version = run(bin, ['--version'])
  assert.equal(version.status, 0, version.stderr)
  assert.equal(version.stdout.trim(), `utoo ${VERSION}`)
})

test('a platform package nested under node_modules/utoo is found too', { skip: !unix }, () => {
  const { bin } = installedLayout(fakeNative, { nested: true })
  assert.equal(run(bin, ['--version']).stdout, 'native --version\n')
})

test('several platform packages installed (forced, or several architectures): uname picks ours', { skip: process.platform !== 'linux' }, () => {
  const { dir, bin } = installedLayout(fakeNative)
  for (const other of ['utoo-linux-x64-wrong', 'utoo-darwin-arm64']) {
    fs.mkdirSync(path.join(dir, 'node_modules', other))
    fs.writeFileSync(path.join(dir, 'node_modules', other, 'utoo'), '#!/bin/sh\necho wrong\n', { mode: 0o755 })
  }
  assert.equal(run(bin, ['--version']).stdout, 'native --version\n')
})

test('pnpm layout: node_modules/utoo is a symlink, the platform package beside its real folder', { skip: !unix }, () => {
  const { dir, pkg, platform } = installedLayout(fakeNative)
  const store = path.join(dir, 'node_modules', '.pnpm', `utoo@${VERSION}`, 'node_modules')
  fs.mkdirSync(store, { recursive: true })
  fs.renameSync(pkg, path.join(store, 'utoo'))
  fs.renameSync(platform, path.join(store, platformPackage()))
  fs.symlinkSync(path.join('.pnpm', `utoo@${VERSION}`, 'node_modules', 'utoo'), pkg)
  const result = run('sh', [path.join(pkg, 'bin', 'utoo'), '--version'], dir)
  assert.equal(result.stdout, 'native --version\n', result.stderr)
})

test('no usable platform executable: the sh launcher falls back to Node and the addon', { skip: !unix || !fs.existsSync(ADDON) }, () => {
  // Not executable (a package manager that dropped the mode bits): not exec'd.
  const { dir, bin, platform } = installedLayout((exe) => fs.writeFileSync(exe, '#!/bin/sh\necho native\n'), { addon: true })
  const notExecutable = run(bin, ['--version'], dir)
  assert.equal(notExecutable.status, 0, notExecutable.stderr)
  assert.equal(notExecutable.stdout.trim(), `utoo ${VERSION}`, 'the addon answered, not the stand-in')
  // No platform package at all.
  fs.rmSync(platform, { recursive: true })
  const absent = run(bin, ['--version'], dir)
  assert.equal(absent.status, 0, absent.stderr)
  assert.equal(absent.stdout.trim(), `utoo ${VERSION}`)
})

test('no platform package and no addon: the error names the platform and the supported ones', { skip: !unix }, () => {
  const { dir, bin, platform } = installedLayout(null)
  fs.rmSync(platform, { recursive: true })
  const suffix = platformPackage().replace(/^utoo-/, '')
  const result = run(bin, ['--version'], dir)
  assert.notEqual(result.status, 0)
  assert.match(result.stderr, new RegExp(`utoo: no native binding for ${suffix}; supported: linux-x64-gnu`))
  const api = run(process.execPath, ['-e', "try { require('utoo') } catch (e) { console.log(e.code, e.message, '|', e.cause.message) }"], dir)
  assert.match(api.stdout, /^ENOBINDING utoo: no native binding for .*is the optional dependency utoo-.* installed.*\| Cannot find native binding/)
})

test('a platform binary that does not answer with our version keeps the launcher', () => {
  const { pkg, launcher } = installedLayout((exe) => {
    fs.writeFileSync(exe, '#!/bin/sh\necho "utoo 0.0.0-other"\n')
    fs.chmodSync(exe, 0o755)
  })
  const launcherText = fs.readFileSync(launcher, 'utf8')
  const result = postinstall(pkg)
  assert.equal(result.status, 0)
  assert.match(result.stderr, /keeping the Node launcher .*answered "utoo 0\.0\.0-other"/)
  assert.equal(fs.readFileSync(launcher, 'utf8'), launcherText)
})

test('no platform package, or a source checkout: the launcher stays', () => {
  const { pkg, launcher } = installedLayout(null)
  fs.rmSync(path.join(pkg, '..', platformPackage()), { recursive: true })
  const text = fs.readFileSync(launcher, 'utf8')
  const result = postinstall(pkg)
  assert.equal(result.status, 0)
  assert.match(result.stderr, /is not installed/)
  assert.equal(fs.readFileSync(launcher, 'utf8'), text)

  assert.match(postinstall(ROOT).stderr, /source checkout/)
  assert.match(fs.readFileSync(path.join(ROOT, 'bin', 'utoo'), 'utf8'), /^#!\/bin\/sh/)
})

test("Windows: npm's cmd-shim shims of the sh launcher are pointed at node and bin/utoo.js", async () => {
  // The shims npm itself writes (its bundled cmd-shim), from bin/utoo's `#!/bin/sh` line.
  const npm = path.dirname(require.resolve('npm12/package.json'))
  const binLinks = path.dirname(require.resolve('bin-links/package.json', { paths: [npm] }))
  const cmdShim = require(require.resolve('cmd-shim', { paths: [binLinks] }))
  const { dir, launcher } = installedLayout(null)
  const shim = path.join(dir, 'node_modules', '.bin', 'win', 'utoo')
  await cmdShim(launcher, shim)
  const cmd = fs.readFileSync(`${shim}.cmd`, 'utf8')
  assert.match(cmd, /\/bin\/sh/, 'cmd-shim calls /bin/sh, which cmd.exe does not have')
  const rewritten = pointShimsAtNode(path.dirname(shim))
  assert.deepEqual(rewritten.map((f) => path.basename(f)).sort(), ['utoo.cmd', 'utoo.ps1'])
  for (const file of rewritten) {
    const text = fs.readFileSync(file, 'utf8')
    assert.doesNotMatch(text, /\/bin\/sh/)
    assert.match(text, /node/)
    assert.match(text, /utoo[\\/]bin[\\/]utoo\.js"/)
  }
  assert.match(fs.readFileSync(`${shim}.cmd`, 'utf8'), /"%dp0%\\node\.exe"/)
  assert.deepEqual(pointShimsAtNode(path.dirname(shim)), [], 'a second run changes nothing')
})
