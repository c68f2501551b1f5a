#!/usr/bin/env node
'use strict'
// Installs the pinned peers into bench/.tools (from the configured registry, scripts off:
// the bench runs pnpm's and bun's native binaries straight from their platform packages)
// and builds utoo's native release binary (crates/utoo-cli) into bench/.build/utoo, with its
// own cargo target dir (the repo-root target/ is left alone).
//   node bench/setup.js [--no-build] [--force-build]
// Without --force-build the binary is built only when bench/.build/utoo is missing.
const fs = require('node:fs')
const path = require('node:path')
const { execFileSync } = require('node:child_process')
const { parseArgs } = require('./lib/args')
const installers = require('./lib/installers')

function main() {
  const args = parseArgs(process.argv.slice(2), { build: true })
  const tools = installers.toolPaths()
  const pinned = installers.versions(tools)
  const want = installers.PINS
  const missing = Object.keys(want).filter((k) => !pinned[k] || pinned[k] !== want[k])
  if (missing.length) {
    fs.mkdirSync(installers.TOOLS_DIR, { recursive: true })
    fs.writeFileSync(path.join(installers.TOOLS_DIR, 'package.json'), '{"private":true}\n')
    const specs = Object.entries(want).map(([k, v]) => `${k}@${v}`)
    console.error(`installing ${specs.join(' ')} into ${installers.TOOLS_DIR}`)
    execFileSync('npm', ['install', '--prefix', installers.TOOLS_DIR, '--no-save', '--no-package-lock', '--ignore-scripts', '--no-audit', '--no-fund', ...specs], { stdio: 'inherit' })
  }
  if (args.build && (args.forceBuild || !fs.existsSync(installers.UTOO_BIN))) {
    const targetDir = path.join(installers.BUILD_DIR, 'target')
    console.error('building the native utoo release binary into bench/.build (a few minutes)')
    execFileSync('cargo', ['build', '--release', '-p', 'utoo-cli', '--target-dir', targetDir], {
      cwd: installers.REPO_DIR,
      stdio: 'inherit',
    })
    // Copy beside it and rename: a bench run may be executing the previous binary (ETXTBSY).
    const tmp = `${installers.UTOO_BIN}.${process.pid}.tmp`
    fs.copyFileSync(path.join(targetDir, 'release', 'utoo'), tmp)
    fs.chmodSync(tmp, 0o755)
    fs.renameSync(tmp, installers.UTOO_BIN)
  }
  console.log(JSON.stringify(installers.versions(tools), null, 2))
}

main()
