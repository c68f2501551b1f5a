#!/usr/bin/env node
'use strict'
// Serves the recorded mirror on 127.0.0.1 until interrupted.
//   node bench/serve.js [--data bench/data] [--port 0] [--latency-ms 0] [--bandwidth-mbps 0] [--no-preload]
const path = require('node:path')
const { parseArgs } = require('./lib/args')
const { startMirror } = require('./lib/mirror')
const store = require('./lib/store')

async function main() {
  const args = parseArgs(process.argv.slice(2), { preload: true })
  const mirror = await startMirror({
    dataDir: args.data ? path.resolve(args.data) : store.DEFAULT_DATA_DIR,
    port: args.port,
    latencyMs: args.latencyMs,
    bandwidthMbps: args.bandwidthMbps,
    preload: args.preload,
    log: (m) => console.error(m),
  })
  console.log(`mirror listening on ${mirror.url} (latency ${mirror.knobs.latencyMs} ms, bandwidth ${mirror.knobs.bandwidthMbps || 'unlimited'} Mbit/s)`)
  console.log(`stats: ${mirror.url}-/stats  reset: ${mirror.url}-/reset  knobs: ${mirror.url}-/config?latencyMs=20`)
  const stop = () => mirror.close().then(() => process.exit(0))
  process.on('SIGINT', stop)
  process.on('SIGTERM', stop)
}

main().catch((e) => {
  console.error(e)
  process.exit(1)
})
