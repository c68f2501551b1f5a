'use strict'
const fs = require('node:fs')
const os = require('node:os')
const path = require('node:path')

/** A fresh project folder with this package.json, and a private cache beside it. */
function makeProject(packageJson) {
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'utoo-test-'))
  fs.writeFileSync(
    path.join(dir, 'package.json'),
    JSON.stringify({ name: 'fixture-app', version: '1.0.0', ...packageJson }, null, 2) + '\n',
  )
  return { dir, cache: path.join(dir, '.utoo-cache'), cleanup: () => fs.rmSync(dir, { recursive: true, force: true }) }
}

function readJson(file) {
  return JSON.parse(fs.readFileSync(file, 'utf8'))
}

module.exports = { makeProject, readJson }
