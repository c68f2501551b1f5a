'use strict'
// The debug build of the native `utoo` executable (crates/utoo-cli). `npm test` runs
// `cargo test --workspace` first, which leaves it in target/debug; a test run on its own
// builds it.
const { execFileSync } = require('node:child_process')
const fs = require('node:fs')
const path = require('node:path')

const REPO = path.join(__dirname, '..', '..')
const UTOO_DEBUG = path.join(path.resolve(REPO, process.env.CARGO_TARGET_DIR || 'target'), 'debug', 'utoo')

/** Whether a test needs minutes of `cargo build` first (to size its timeout). */
const nativeNeedsBuild = () => !fs.existsSync(UTOO_DEBUG)

/** The path of the native debug executable, built with `cargo build -p utoo-cli` if missing. */
function nativeUtoo() {
  if (!fs.existsSync(UTOO_DEBUG)) {
    try {
      execFileSync('cargo', ['build', '-p', 'utoo-cli'], { cwd: REPO, stdio: ['ignore', 'ignore', 'pipe'], encoding: 'utf8' })
    } catch (e) {
      throw new Error(`cargo build -p utoo-cli failed: ${String(e.stderr || e.message).trim().split('\n').slice(-10).join('\n')}`)
    }
  }
  if (!fs.existsSync(UTOO_DEBUG)) throw new Error(`no utoo binary at ${UTOO_DEBUG} after cargo build -p utoo-cli`)
  return UTOO_DEBUG
}

module.exports = { nativeUtoo, nativeNeedsBuild }
