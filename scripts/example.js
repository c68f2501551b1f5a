#!/usr/bin/env node
'use strict'
// The README's first command: build the release addon, install examples/express-api with
// utoo from the configured registry, print the summary and prove the tree works.

const { execFileSync } = require('node:child_process')
const fs = require('node:fs')
const path = require('node:path')

const root = path.join(__dirname, '..')
const example = path.join(root, 'examples', 'express-api')
const sh = (cmd, args, cwd = root) => execFileSync(cmd, args, { cwd, stdio: 'inherit' })

sh('npx', ['napi', 'build', '--platform', '--release'])
for (const leftover of ['node_modules', 'package-lock.json']) {
  fs.rmSync(path.join(example, leftover), { recursive: true, force: true })
}
console.log('\n$ utoo install   (examples/express-api, cold: no lockfile, no node_modules)')
sh(process.execPath, [path.join(root, 'bin', 'utoo.js'), 'install'], example)
console.log('\n$ utoo install   (again: nothing to do)')
sh(process.execPath, [path.join(root, 'bin', 'utoo.js'), 'install'], example)
console.log('\n$ npm ls --all   (npm checks the tree utoo built)')
execFileSync('npm', ['ls', '--all'], { cwd: example, stdio: ['ignore', 'ignore', 'inherit'] })
console.log('npm ls: no problems')
sh(process.execPath, ['server.js', '--check'], example)
