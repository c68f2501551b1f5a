'use strict'
// A small keep-alive HTTP(S) GET for the recorder and the floors. Node's https honours
// NODE_EXTRA_CA_CERTS, so a custom CA keeps working.
const http = require('node:http')
const https = require('node:https')
const zlib = require('node:zlib')

const agents = {
  'http:': new http.Agent({ keepAlive: true, maxSockets: 64 }),
  'https:': new https.Agent({ keepAlive: true, maxSockets: 32 }),
}

/**
 * GET `url`; resolves { status, headers, body: Buffer } (body decoded from gzip when the
 * server compressed it). Follows up to 5 redirects. Retries network errors 3 times.
 */
async function get(url, { accept, headers = {}, gzip = false, retries = 3 } = {}) {
  for (let attempt = 0; ; attempt++) {
    try {
      return await getOnce(url, { accept, headers, gzip }, 5)
    } catch (error) {
      if (attempt >= retries) throw error
      await new Promise((r) => setTimeout(r, 200 * (attempt + 1)))
    }
  }
}

function getOnce(url, { accept, headers, gzip }, redirects) {
  return new Promise((resolve, reject) => {
    const u = new URL(url)
    const mod = u.protocol === 'https:' ? https : http
    const h = { ...headers }
    if (accept) h.accept = accept
    if (gzip) h['accept-encoding'] = 'gzip'
    const req = mod.get(u, { agent: agents[u.protocol], headers: h }, (res) => {
      if ([301, 302, 303, 307, 308].includes(res.statusCode) && res.headers.location && redirects > 0) {
        res.resume()
        resolve(getOnce(new URL(res.headers.location, u).href, { accept, headers, gzip }, redirects - 1))
        return
      }
      const chunks = []
      res.on('data', (c) => chunks.push(c))
      res.on('error', reject)
      res.on('end', () => {
        let body = Buffer.concat(chunks)
        const wire = body.length
        if (res.headers['content-encoding'] === 'gzip') body = zlib.gunzipSync(body)
        resolve({ status: res.statusCode, headers: res.headers, body, wireBytes: wire })
      })
    })
    req.setTimeout(120000, () => req.destroy(new Error(`timeout: ${url}`)))
    req.on('error', reject)
  })
}

/** Runs `fn` over `items` with at most `limit` in flight; resolves the results in order. */
async function pool(items, limit, fn) {
  const results = new Array(items.length)
  let next = 0
  async function worker() {
    while (next < items.length) {
      const i = next++
      results[i] = await fn(items[i], i)
    }
  }
  await Promise.all(Array.from({ length: Math.min(limit, items.length) }, worker))
  return results
}

function destroyAgents() {
  for (const a of Object.values(agents)) a.destroy()
}

module.exports = { get, pool, destroyAgents }
