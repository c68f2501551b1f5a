#!/usr/bin/env node
'use strict'
// Puts this machine's build artifacts into its platform package, npm/<platform>/: the addon
// (`utoo.<platform>.node`, which `napi build --platform` leaves at the root; in CI
// `napi artifacts` does this part) and the native `utoo` executable (crates/utoo-cli).
// `napi pre-publish -t npm` (the prepublishOnly script) then writes the platform packages
// into utoo's optionalDependencies and publishes them.
//
//   node scripts/stage-platform.js [--debug]     (default: the release builds)
const fs = require('node:fs')
const path = require('node:path')
const { platformPackage } = require('../install.js')

const ROOT = path.join(__dirname, '..')

/** Copies the addon and the CLI of `profile` from `root` into `npmDir`'s platform package. */
function stagePlatform({ root = ROOT, npmDir = path.join(root, 'npm'), profile = 'release' } = {}) {
  const suffix = platformPackage().replace(/^utoo-/, '')
  const dir = path.join(npmDir, suffix)
  if (!fs.existsSync(path.join(dir, 'package.json'))) {
    throw new Error(`no platform package at ${dir}: add its target to package.json "napi.targets" and run \`napi create-npm-dirs\``)
  }
  const addon = path.join(root, `utoo.${suffix}.node`)
  if (!fs.existsSync(addon)) throw new Error(`no addon at ${addon}: run \`napi build --platform${profile === 'release' ? ' --release' : ''}\``)
  const targetDir = path.resolve(ROOT, process.env.CARGO_TARGET_DIR || 'target')
  const cli = path.join(targetDir, profile, 'utoo')
  if (!fs.existsSync(cli)) throw new Error(`no native CLI at ${cli}: run \`cargo build${profile === 'release' ? ' --release' : ''} -p utoo-cli\``)
  const written = []
  for (const [from, name, mode] of [
    [addon, `utoo.${suffix}.node`, 0o644],
    [cli, 'utoo', 0o755],
  ]) {
    const to = path.join(dir, name)
    fs.copyFileSync(from, to)
    fs.chmodSync(to, mode)
    written.push(to)
  }
  return written
}

if (require.main === module) {
  try {
    for (const f of stagePlatform({ profile: process.argv.includes('--debug') ? 'debug' : 'release' })) {
      console.log(`wrote ${path.relative(ROOT, f)}`)
    }
  } catch (e) {
    console.error(e.message)
    process.exit(1)
  }
}

module.exports = { stagePlatform }
