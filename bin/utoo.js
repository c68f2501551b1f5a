#!/usr/bin/env node
'use strict'
// The portable launcher: hands argv to the addon's runCli (the same Rust CLI as the native
// executable) and sets the exit code. bin/utoo runs it when no native executable fits this
// machine; Windows shims run it directly.
const { runCli } = require('..')

runCli(process.argv.slice(2), process.versions.node).then(
  (code) => {
    process.exitCode = code
  },
  (error) => {
    console.error(error)
    process.exitCode = 1
  },
)
