#!/usr/bin/env node
'use strict'
// Builds the native `utoo` executable (crates/utoo-cli) in release mode and puts it into this
// platform's npm package (npm/<platform>/utoo), beside the addon, for publishing
// (scripts/stage-platform.js stages both).
const { execFileSync } = require('node:child_process')
const fs = require('node:fs')
const path = require('node:path')
const { platformPackage } = require('../install.js')

const root = path.join(__dirname, '..')
execFileSync('cargo', ['build', '--release', '-p', 'utoo-cli'], { cwd: root, stdio: 'inherit' })
const dir = path.join(root, 'npm', platformPackage().replace(/^utoo-/, ''))
if (!fs.existsSync(path.join(dir, 'package.json'))) {
  console.error(`no platform package at ${dir}: add its target to package.json "napi.targets" and run \`napi create-npm-dirs\``)
  process.exit(1)
}
const dest = path.join(dir, 'utoo')
fs.copyFileSync(path.join(path.resolve(root, process.env.CARGO_TARGET_DIR || 'target'), 'release', 'utoo'), dest)
fs.chmodSync(dest, 0o755)
console.log(`wrote ${path.relative(root, dest)}`)
