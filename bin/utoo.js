#!/usr/bin/env node
'use strict'
// Argument parsing happens in Rust; this only hands argv over and sets the exit code.
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
