'use strict'
// A fixture npm registry on 127.0.0.1 for the JS tests: packages are described in code,
// packed into real .tgz files here, and served with packuments npm itself accepts.

const crypto = require('node:crypto')
const http = require('node:http')
const zlib = require('node:zlib')

function tarHeader(name, size, mode) {
  const h = Buffer.alloc(512)
  h.write(name, 0, 100, 'utf8')
  h.write(mode.toString(8).padStart(7, '0') + '\0', 100)
  h.write('0000000\0', 108)
  h.write('0000000\0', 116)
  h.write(size.toString(8).padStart(11, '0') + '\0', 124)
  h.write('00000000000\0', 136)
  h.write('        ', 148)
  h.write('0', 156)
  h.write('ustar\0', 257)
  h.write('00', 263)
  let sum = 0
  for (const b of h) sum += b
  h.write(sum.toString(8).padStart(6, '0') + '\0 ', 148)
  return h
}

/** files: { 'path': content | { content, mode } } → gzipped tar under package/ */
function pack(files) {
  const parts = []
  for (const [path, spec] of Object.entries(files)) {
    const content = Buffer.from(typeof spec === 'string' ? spec : spec.content)
    const mode = typeof spec === 'string' ? 0o644 : spec.mode || 0o644
    parts.push(tarHeader(`package/${path}`, content.length, mode), content)
    const pad = (512 - (content.length % 512)) % 512
    if (pad) parts.push(Buffer.alloc(pad))
  }
  parts.push(Buffer.alloc(1024))
  return zlib.gzipSync(Buffer.concat(parts))
}

/**
 * pkg(name, version, { dependencies, bin, ... }, { 'file.js': '...' })
 */
function pkg(name, version, manifest = {}, files = {}) {
  return { name, version, manifest, files }
}

async function startRegistry(packages) {
  const packuments = new Map()
  const tarballs = new Map()
  const requests = []
  const server = http.createServer((req, res) => {
    const path = decodeURIComponent(req.url.split('?')[0])
    requests.push(path)
    if (path.endsWith('.tgz') && tarballs.has(path)) {
      res.writeHead(200, { 'content-type': 'application/octet-stream' })
      return res.end(tarballs.get(path))
    }
    const doc = packuments.get(path.slice(1))
    if (doc) {
      res.writeHead(200, { 'content-type': 'application/json' })
      return res.end(JSON.stringify(doc))
    }
    res.writeHead(404, { 'content-type': 'application/json' })
    res.end('{"error":"Not found"}')
  })
  await new Promise((resolve) => server.listen(0, '127.0.0.1', resolve))
  const url = `http://127.0.0.1:${server.address().port}/`
  for (const p of packages) {
    const base = p.name.split('/').pop()
    const manifest = { name: p.name, version: p.version, ...p.manifest }
    const files = {
      'package.json': JSON.stringify(manifest, null, 2),
      'index.js': `module.exports = ${JSON.stringify({ name: p.name, version: p.version })}\n`,
      ...p.files,
    }
    const tgz = pack(files)
    const tarPath = `/${p.name}/-/${base}-${p.version}.tgz`
    tarballs.set(tarPath, tgz)
    const integrity = 'sha512-' + crypto.createHash('sha512').update(tgz).digest('base64')
    const shasum = crypto.createHash('sha1').update(tgz).digest('hex')
    const doc = packuments.get(p.name) || { name: p.name, 'dist-tags': {}, versions: {} }
    doc.versions[p.version] = { ...manifest, dist: { tarball: url + tarPath.slice(1), integrity, shasum } }
    doc['dist-tags'].latest = p.version
    packuments.set(p.name, doc)
  }
  return {
    url,
    requests,
    close: () => new Promise((resolve) => server.close(resolve)),
  }
}

module.exports = { startRegistry, pkg, pack }
