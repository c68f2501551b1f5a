'use strict'
// `utoo` through the portable launcher (bin/utoo.js → the addon's runCli), as a child process.
// Asynchronous on purpose: a fixture registry living in the test's process must keep serving.

const { spawn } = require('node:child_process')
const path = require('node:path')

const BIN = path.join(__dirname, '..', '..', 'bin', 'utoo.js')

/** Runs `utoo ...args` in `cwd`; resolves to { status, stdout, stderr, out } (out: both). */
function utoo(cwd, args, env = {}) {
  return new Promise((resolve) => {
    const child = spawn(process.execPath, [BIN, ...args], { cwd, env: { ...process.env, CI: '1', ...env } })
    let stdout = ''
    let stderr = ''
    child.stdout.on('data', (d) => (stdout += d))
    child.stderr.on('data', (d) => (stderr += d))
    child.on('close', (status) => resolve({ status, stdout, stderr, out: `${stdout}${stderr}` }))
  })
}

module.exports = { BIN, utoo }
