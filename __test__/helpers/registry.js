'use strict'
// A fixture npm registry on 127.0.0.1 for the JS tests: packages are described in code,
// packed into real .tgz files here, and served with packuments npm itself accepts.

const http = require('node:http')

// One tar writer for all JS test fixtures: the bench harness's.
const { makeTarball, integrity: sri, shasum: sha1 } = require('../../bench/lib/tarball')

/**
 * pkg(name, version, { dependencies, bin, ... }, { 'file.js': '...' })
 */
function pkg(name, version, manifest = {}, files = {}) {
  return { name, version, manifest, files }
}

/**
 * startRegistry(packages, options): `options.delayMs`, every answer waits that long (a slow
 * network, to stretch an install); `options.tarballDelayMs`, only tarballs wait (metadata is
 * quick, downloads hang); `options.distTags`, e.g. `{ name: { next: '2.0.0-beta.1' } }`
 * (`latest` is the last version listed unless it says otherwise). The registry's `publish(pkg)`
 * adds a version later (a release after a lockfile was written).
 */
async function startRegistry(packages, options = {}) {
  const packuments = new Map()
  const tarballs = new Map()
  const requests = []
  // Tarball answers in progress now, and the most there ever were at once.
  const tarballsInFlight = { now: 0, max: 0 }
  const delayMs = options.delayMs || 0
  const tarballDelayMs = options.tarballDelayMs || 0
  const server = http.createServer((req, res) => {
    if (req.url.endsWith('.tgz')) {
      tarballsInFlight.now++
      tarballsInFlight.max = Math.max(tarballsInFlight.max, tarballsInFlight.now)
      res.on('close', () => tarballsInFlight.now--)
    }
    const wait = delayMs + (req.url.endsWith('.tgz') ? tarballDelayMs : 0)
    if (wait) setTimeout(() => answer(req, res), wait)
    else answer(req, res)
  })
  function answer(req, res) {
    const path = decodeURIComponent(req.url.split('?')[0])
    requests.push(path)
    if (path.endsWith('.tgz') && tarballs.has(path)) {
      const tgz = tarballs.get(path)
      // As registries do: a plan() reads tarball sizes from it.
      res.writeHead(200, { 'content-type': 'application/octet-stream', 'content-length': tgz.length })
      return res.end(tgz)
    }
    const doc = packuments.get(path.slice(1))
    if (doc) {
      res.writeHead(200, { 'content-type': 'application/json' })
      return res.end(JSON.stringify(doc))
    }
    res.writeHead(404, { 'content-type': 'application/json' })
    res.end('{"error":"Not found"}')
  }
  await new Promise((resolve) => server.listen(0, '127.0.0.1', resolve))
  const url = `http://127.0.0.1:${server.address().port}/`
  function publish(p) {
    const base = p.name.split('/').pop()
    const manifest = { name: p.name, version: p.version, ...p.manifest }
    const files = {
      'package.json': JSON.stringify(manifest, null, 2),
      'index.js': `module.exports = ${JSON.stringify({ name: p.name, version: p.version })}\n`,
      ...p.files,
    }
    const tgz = makeTarball(files)
    const tarPath = `/${p.name}/-/${base}-${p.version}.tgz`
    tarballs.set(tarPath, tgz)
    const integrity = sri(tgz)
    const shasum = sha1(tgz)
    const doc = packuments.get(p.name) || { name: p.name, 'dist-tags': {}, versions: {} }
    doc.versions[p.version] = { ...manifest, dist: { tarball: url + tarPath.slice(1), integrity, shasum } }
    doc['dist-tags'].latest = p.version
    packuments.set(p.name, doc)
  }
  for (const p of packages) publish(p)
  for (const [name, tags] of Object.entries(options.distTags || {})) {
    Object.assign(packuments.get(name)['dist-tags'], tags)
  }
  return {
    url,
    requests,
    publish,
    maxTarballsInFlight: () => tarballsInFlight.max,
    close: () => new Promise((resolve) => server.close(resolve)),
  }
}

module.exports = { startRegistry, pkg }
