#!/usr/bin/env node
'use strict'
// postinstall: replaces the sh launcher bin/utoo with the native `utoo` executable from this
// platform's package (esbuild and bun do the same), so `utoo` starts without even a shell.
// Without it (scripts off or not approved) bin/utoo finds and execs that same executable
// itself, a few ms later. Anything unexpected (no platform package, a binary that does not
// answer with our version, Windows' .cmd shims) keeps the launcher, which falls back to the
// same CLI through Node and the addon (bin/utoo.js): slower to start, never wrong.
const { execFileSync } = require('node:child_process')
const fs = require('node:fs')
const path = require('node:path')

/** The napi-rs platform package name for this machine (`utoo-linux-x64-gnu`, ...). */
function platformPackage(platform = process.platform, arch = process.arch) {
  if (platform === 'linux') return `utoo-linux-${arch}-${isMusl() ? 'musl' : 'gnu'}`
  if (platform === 'win32') return `utoo-win32-${arch}-msvc`
  return `utoo-${platform}-${arch}`
}

/** napi-rs's package suffix of a Rust target triple (`x86_64-unknown-linux-gnu` → `linux-x64-gnu`). */
function platformSuffix(triple) {
  const [cpu, , os, abi] = triple.split('-')
  const arch = { x86_64: 'x64', aarch64: 'arm64', i686: 'ia32', armv7: 'arm' }[cpu] || cpu
  if (triple.includes('apple-darwin')) return `darwin-${arch}`
  if (triple.includes('windows')) return `win32-${arch}-${triple.split('-').pop()}`
  if (os === 'linux') return `linux-${arch}-${abi}`
  return `${os || 'unknown'}-${arch}`
}

function isMusl() {
  try {
    return !process.report.getReport().header.glibcVersionRuntime
  } catch {
    return false
  }
}

/** Puts the native executable in place; returns why it did not when it did not. */
function install(pkgDir = __dirname) {
  if (fs.existsSync(path.join(pkgDir, 'Cargo.toml'))) return 'a source checkout keeps its launcher'
  if (process.platform === 'win32') {
    const shims = [path.join(pkgDir, '..', '.bin')]
    if (process.env.npm_config_global === 'true' && process.env.npm_config_prefix) shims.push(process.env.npm_config_prefix)
    for (const dir of shims) pointShimsAtNode(dir)
    return 'Windows runs bins through .cmd shims: they call node bin/utoo.js'
  }
  const name = platformPackage()
  let exe
  try {
    exe = path.join(path.dirname(require.resolve(`${name}/package.json`, { paths: [pkgDir] })), 'utoo')
  } catch {
    return `${name} is not installed`
  }
  if (!fs.existsSync(exe)) return `${name} has no native executable`
  const { version } = JSON.parse(fs.readFileSync(path.join(pkgDir, 'package.json'), 'utf8'))
  let answer
  try {
    answer = execFileSync(exe, ['--version'], { encoding: 'utf8', timeout: 10000, stdio: ['ignore', 'pipe', 'ignore'] }).trim()
  } catch (e) {
    return `${exe} does not run: ${e.message}`
  }
  if (answer !== `utoo ${version}`) return `${exe} answered "${answer}", expected "utoo ${version}"`
  const target = path.join(pkgDir, 'bin', 'utoo')
  const staged = `${target}.${process.pid}.tmp`
  // Copied, then renamed over the launcher: the launcher's inode (possibly shared with an
  // installer's cache through a hard link) is never written to.
  fs.copyFileSync(exe, staged)
  fs.chmodSync(staged, 0o755)
  fs.renameSync(staged, target)
  return null
}

/**
 * npm's cmd-shim writes `utoo.cmd` and `utoo.ps1` from bin/utoo's `#!/bin/sh` line, and
 * cmd.exe and PowerShell have no /bin/sh: point them at node and the JS launcher instead.
 * Only shims that run our bin/utoo are touched; the sh shim (Git Bash) keeps working as is.
 */
function pointShimsAtNode(dir) {
  const rewritten = []
  for (const name of ['utoo.cmd', 'utoo.ps1']) {
    const file = path.join(dir, name)
    let text
    try {
      text = fs.readFileSync(file, 'utf8')
    } catch {
      continue
    }
    if (!/utoo[\\/]bin[\\/]utoo"/.test(text) || !text.includes('/bin/sh')) continue
    const fixed = text.replaceAll('/bin/sh', 'node').replace(/(utoo[\\/]bin[\\/]utoo)"/g, '$1.js"')
    fs.writeFileSync(file, fixed)
    rewritten.push(file)
  }
  return rewritten
}

if (require.main === module) {
  const why = install()
  if (why && process.env.UTOO_LOG) console.error(`utoo: keeping the Node launcher (${why})`)
}

module.exports = { install, platformPackage, platformSuffix, pointShimsAtNode }
