'use strict'
// Floor: the mirror's raw serving rate to a trivial parallel fetcher.
//   node floor-fetch.js <file with one URL a line> <concurrency>
// Prints {"count","bytes","ms"}. Runs in its own process so it does not share the mirror's
// event loop.
const fs = require('node:fs')
const http = require('node:http')

const urls = fs.readFileSync(process.argv[2], 'utf8').split('\n').filter(Boolean)
const concurrency = Number(process.argv[3]) || 50
const agent = new http.Agent({ keepAlive: true, maxSockets: concurrency })

function get(url) {
  return new Promise((resolve, reject) => {
    http
      .get(url, { agent }, (res) => {
        let n = 0
        res.on('data', (c) => (n += c.length))
        res.on('end', () => (res.statusCode === 200 ? resolve(n) : reject(new Error(`${res.statusCode} ${url}`))))
        res.on('error', reject)
      })
      .on('error', reject)
  })
}

async function main() {
  let next = 0
  let bytes = 0
  const start = process.hrtime.bigint()
  await Promise.all(
    Array.from({ length: concurrency }, async () => {
      while (next < urls.length) {
        const n = await get(urls[next++])
        bytes += n
      }
    }),
  )
  const ms = Number(process.hrtime.bigint() - start) / 1e6
  agent.destroy()
  console.log(JSON.stringify({ count: urls.length, bytes, ms }))
}

main().catch((e) => {
  console.error(e)
  process.exit(1)
})
