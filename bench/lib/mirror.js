'use strict'
// Loopback registry mirror for the benchmarks. Serves what the recorder stored under a data
// dir (see store.js), from memory, with keep-alive; abbreviated packuments
// (application/vnd.npm.install-v1+json) when the Accept header asks for them, full ones
// otherwise; per-request latency and a shared bandwidth cap as knobs; counters for requests
// and bytes at /-/stats (reset with /-/reset, knobs changed with /-/config?latencyMs=&bandwidthMbps=).
//
// With `upstream` set (recording only) a miss is fetched from the upstream registry, stored
// and served: this is how the recorder captures what the other installers need on top of
// npm's lockfile closure.
const crypto = require('node:crypto')
const fs = require('node:fs')
const http = require('node:http')
const zlib = require('node:zlib')

const store = require('./store')
const { get } = require('./fetch')

const ABBREV_TYPE = 'application/vnd.npm.install-v1+json'
const VERSION_FIELDS = [
  'name',
  'version',
  'dependencies',
  'optionalDependencies',
  'peerDependencies',
  'peerDependenciesMeta',
  'bin',
  'engines',
  'os',
  'cpu',
  'libc',
  'dist',
  'deprecated',
  'hasInstallScript',
  'bundleDependencies',
  '_hasShrinkwrap',
]

/** The abbreviated ("corgi") form of a full packument, as the npm registry answers it. */
function abbreviate(full) {
  const out = { name: full.name, 'dist-tags': full['dist-tags'] || {}, versions: {} }
  if (full.time && full.time.modified) out.modified = full.time.modified
  for (const [v, meta] of Object.entries(full.versions || {})) {
    if (!meta || typeof meta !== 'object') continue
    const m = {}
    for (const f of VERSION_FIELDS) if (meta[f] !== undefined) m[f] = meta[f]
    if (m.bundleDependencies === undefined && meta.bundledDependencies !== undefined) {
      m.bundleDependencies = meta.bundledDependencies
    }
    if (m.hasInstallScript === undefined && meta.scripts) {
      const s = meta.scripts
      if (s.preinstall || s.install || s.postinstall) m.hasInstallScript = true
    }
    out.versions[v] = m
  }
  return out
}

function emptyStats() {
  return {
    requests: 0,
    packumentRequests: 0,
    abbreviatedRequests: 0,
    fullRequests: 0,
    tarballRequests: 0,
    otherRequests: 0,
    notFound: 0,
    notModified: 0,
    bytes: 0,
    packumentBytes: 0,
    tarballBytes: 0,
    upstreamFetches: 0,
    notFoundPaths: [],
    since: Date.now(),
  }
}

/**
 * Starts the mirror. Options: dataDir, port (0: random), host (always loopback),
 * latencyMs, bandwidthMbps (0: unlimited), upstream (registry base URL; recording only),
 * preload (true: read every tarball and gzip every abbreviated packument up front; 'all':
 * the full packuments too, as npm 10+ asks for those), log.
 * Resolves { url, port, server, stats(), reset(), configure(), close() }.
 */
async function startMirror(options = {}) {
  const dataDir = options.dataDir || store.DEFAULT_DATA_DIR
  const knobs = { latencyMs: Number(options.latencyMs) || 0, bandwidthMbps: Number(options.bandwidthMbps) || 0 }
  const upstream = options.upstream ? options.upstream.replace(/\/?$/, '/') : null
  const log = options.log || (() => {})
  let stats = emptyStats()
  let origin = ''
  // name -> { full: {json, gzip, etag}, abbrev: {...} } | null (absent)
  const packuments = new Map()
  // "name/-/file" -> Buffer | null
  const tarballs = new Map()
  // name -> Map(file -> upstream URL), learnt from packuments fetched upstream
  const upstreamTarballUrls = new Map()
  const inflight = new Map()

  function variant(text) {
    const json = Buffer.from(text)
    return {
      json,
      gzip: null,
      etag: '"' + crypto.createHash('sha1').update(json).digest('base64url') + '"',
    }
  }

  function loadPackument(name) {
    if (packuments.has(name)) return packuments.get(name)
    const file = store.packumentFile(dataDir, name)
    let entry = null
    if (fs.existsSync(file)) {
      const text = fs.readFileSync(file, 'utf8').split(store.MIRROR_ORIGIN).join(origin)
      const full = JSON.parse(text)
      entry = { full: variant(text), abbrev: variant(JSON.stringify(abbreviate(full))) }
    }
    packuments.set(name, entry)
    return entry
  }

  function loadTarball(name, file) {
    const key = name + '/-/' + file
    if (tarballs.has(key)) return tarballs.get(key)
    const p = store.tarballFile(dataDir, name, file)
    const bytes = fs.existsSync(p) ? fs.readFileSync(p) : null
    tarballs.set(key, bytes)
    return bytes
  }

  async function fetchUpstreamPackument(name) {
    stats.upstreamFetches++
    const url = upstream + name.replace('/', '%2f')
    const res = await get(url, { accept: 'application/json', gzip: true })
    if (res.status !== 200) return false
    const full = JSON.parse(res.body.toString('utf8'))
    const urls = new Map()
    for (const [v, meta] of Object.entries(full.versions || {})) {
      if (meta && meta.dist && meta.dist.tarball) {
        urls.set(store.tarballFileName(full.name, v, meta.dist.tarball), meta.dist.tarball)
      }
    }
    upstreamTarballUrls.set(name, urls)
    store.writePackument(dataDir, name, store.rewritePackument(full, upstream))
    packuments.delete(name)
    log(`recorded packument ${name}`)
    return true
  }

  async function fetchUpstreamTarball(name, file) {
    if (!upstreamTarballUrls.has(name)) await fetchUpstreamPackument(name)
    const url = upstreamTarballUrls.get(name) && upstreamTarballUrls.get(name).get(file)
    if (!url) return false
    stats.upstreamFetches++
    const res = await get(url)
    if (res.status !== 200) return false
    store.writeTarball(dataDir, name, file, res.body)
    tarballs.delete(name + '/-/' + file)
    log(`recorded tarball ${name}/-/${file}`)
    return true
  }

  function once(key, fn) {
    if (!inflight.has(key)) inflight.set(key, fn().finally(() => inflight.delete(key)))
    return inflight.get(key)
  }

  // One link shared by every response: each chunk is scheduled after the previous one
  // finished "transmitting" at bandwidthMbps.
  let linkFreeAt = 0
  function send(res, status, headers, body, head) {
    res.writeHead(status, { ...headers, 'content-length': body ? body.length : 0 })
    if (!body || head) return res.end()
    if (!knobs.bandwidthMbps) return res.end(body)
    const bytesPerMs = (knobs.bandwidthMbps * 1e6) / 8 / 1000
    const CHUNK = 16384
    let offset = 0
    const pump = () => {
      if (res.destroyed) return
      const now = performance.now()
      const chunk = body.subarray(offset, offset + CHUNK)
      const start = Math.max(now, linkFreeAt)
      linkFreeAt = start + chunk.length / bytesPerMs
      const wait = linkFreeAt - now
      setTimeout(() => {
        offset += chunk.length
        if (offset >= body.length) res.end(chunk)
        else if (res.write(chunk)) pump()
        else res.once('drain', pump)
      }, Math.max(0, wait))
    }
    pump()
  }

  function notFound(res, pathname, head) {
    stats.notFound++
    if (stats.notFoundPaths.length < 100) stats.notFoundPaths.push(pathname)
    send(res, 404, { 'content-type': 'application/json' }, Buffer.from('{"error":"Not found"}'), head)
  }

  async function handle(req, res) {
    const url = new URL(req.url, 'http://x')
    const pathname = url.pathname
    const head = req.method === 'HEAD'
    if (pathname === '/-/stats') {
      return send(res, 200, { 'content-type': 'application/json' }, Buffer.from(JSON.stringify(stats)))
    }
    if (pathname === '/-/reset') {
      const old = stats
      stats = emptyStats()
      return send(res, 200, { 'content-type': 'application/json' }, Buffer.from(JSON.stringify(old)))
    }
    if (pathname === '/-/config') {
      for (const k of Object.keys(knobs)) {
        if (url.searchParams.has(k)) knobs[k] = Number(url.searchParams.get(k)) || 0
      }
      return send(res, 200, { 'content-type': 'application/json' }, Buffer.from(JSON.stringify(knobs)))
    }
    stats.requests++
    if (knobs.latencyMs) await new Promise((r) => setTimeout(r, knobs.latencyMs))
    if (req.method !== 'GET' && !head) {
      stats.otherRequests++
      return send(res, 405, { 'content-type': 'application/json' }, Buffer.from('{"error":"read-only mirror"}'))
    }
    if (pathname === '/-/ping' || pathname === '/') {
      stats.otherRequests++
      return send(res, 200, { 'content-type': 'application/json' }, Buffer.from('{}'), head)
    }
    const decoded = decodeURIComponent(pathname.slice(1))
    const gzipOk = /\bgzip\b/.test(req.headers['accept-encoding'] || '')
    const dash = decoded.lastIndexOf('/-/')
    if (dash > 0 && decoded.endsWith('.tgz')) {
      stats.tarballRequests++
      const name = decoded.slice(0, dash)
      const file = decoded.slice(dash + 3)
      let bytes = loadTarball(name, file)
      if (!bytes && upstream && (await once('t:' + decoded, () => fetchUpstreamTarball(name, file)))) {
        bytes = loadTarball(name, file)
      }
      if (!bytes) return notFound(res, pathname, head)
      if (!head) {
        stats.bytes += bytes.length
        stats.tarballBytes += bytes.length
      }
      return send(res, 200, { 'content-type': 'application/octet-stream', 'cache-control': 'public, immutable, max-age=31557600' }, bytes, head)
    }
    // Packument: "name", "@scope/name" (or %2f-encoded), optionally "/version-or-tag".
    const parts = decoded.split('/')
    const name = decoded.startsWith('@') ? parts.slice(0, 2).join('/') : parts[0]
    const rest = decoded.startsWith('@') ? parts.slice(2) : parts.slice(1)
    stats.packumentRequests++
    let entry = loadPackument(name)
    if (!entry && upstream && (await once('p:' + name, () => fetchUpstreamPackument(name)))) {
      entry = loadPackument(name)
    }
    if (!entry) return notFound(res, pathname, head)
    if (rest.length) {
      // `npm view name@version` style document
      const full = JSON.parse(entry.full.json)
      const v = (full['dist-tags'] || {})[rest[0]] || rest[0]
      if (!full.versions || !full.versions[v]) return notFound(res, pathname, head)
      const body = Buffer.from(JSON.stringify(full.versions[v]))
      stats.bytes += body.length
      stats.packumentBytes += body.length
      return send(res, 200, { 'content-type': 'application/json' }, body, head)
    }
    const abbreviated = (req.headers.accept || '').includes(ABBREV_TYPE)
    abbreviated ? stats.abbreviatedRequests++ : stats.fullRequests++
    const v = abbreviated ? entry.abbrev : entry.full
    const headers = {
      'content-type': abbreviated ? ABBREV_TYPE : 'application/json',
      etag: v.etag,
      'cache-control': 'public, max-age=300',
      vary: 'Accept, Accept-Encoding',
    }
    if (req.headers['if-none-match'] === v.etag) {
      stats.notModified++
      return send(res, 304, headers, null, head)
    }
    let body = v.json
    if (gzipOk) {
      if (!v.gzip) v.gzip = zlib.gzipSync(v.json, { level: 6 })
      body = v.gzip
      headers['content-encoding'] = 'gzip'
    }
    if (!head) {
      stats.bytes += body.length
      stats.packumentBytes += body.length
    }
    return send(res, 200, headers, body, head)
  }

  const server = http.createServer({ keepAlive: true }, (req, res) => {
    handle(req, res).catch((error) => {
      log(`error on ${req.url}: ${error.stack || error}`)
      if (!res.headersSent) send(res, 500, { 'content-type': 'text/plain' }, Buffer.from(String(error)))
      else res.destroy()
    })
  })
  server.keepAliveTimeout = 120000
  server.headersTimeout = 121000
  server.requestTimeout = 0
  await new Promise((resolve, reject) => {
    server.once('error', reject)
    server.listen(Number(options.port) || 0, '127.0.0.1', resolve)
  })
  const port = server.address().port
  origin = `http://127.0.0.1:${port}`

  if (options.preload) {
    for (const name of store.listPackuments(dataDir)) {
      const e = loadPackument(name)
      if (!e) continue
      e.abbrev.gzip = zlib.gzipSync(e.abbrev.json, { level: 6 })
      if (options.preload === 'all') e.full.gzip = zlib.gzipSync(e.full.json, { level: 6 })
    }
    for (const t of store.listTarballs(dataDir)) loadTarball(t.name, t.file)
  }

  return {
    url: origin + '/',
    port,
    server,
    stats: () => JSON.parse(JSON.stringify(stats)),
    reset: () => {
      const old = stats
      stats = emptyStats()
      return old
    },
    configure: (k) => Object.assign(knobs, k),
    knobs,
    close: () =>
      new Promise((resolve) => {
        server.close(() => resolve())
        server.closeAllConnections()
      }),
  }
}

module.exports = { startMirror, abbreviate, ABBREV_TYPE }
