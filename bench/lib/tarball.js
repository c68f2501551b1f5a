'use strict'
// A minimal ustar writer + gzip: enough to build npm-style package tarballs (every path under
// `package/`) for fixtures and the smoke test.
const crypto = require('node:crypto')
const zlib = require('node:zlib')

function header(name, size, mode = 0o644) {
  const h = Buffer.alloc(512)
  if (Buffer.byteLength(name) > 100) throw new Error(`tar path too long: ${name}`)
  h.write(name, 0, 100)
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

/**
 * gzipped tar of `files` ({ 'package.json': string|Buffer|{ content, mode }, ... }), each
 * under package/.
 */
function makeTarball(files) {
  const parts = []
  for (const [rel, spec] of Object.entries(files)) {
    const withMode = typeof spec === 'object' && !Buffer.isBuffer(spec)
    const content = withMode ? spec.content : spec
    const body = Buffer.isBuffer(content) ? content : Buffer.from(content)
    parts.push(header(`package/${rel}`, body.length, withMode ? spec.mode : 0o644), body, Buffer.alloc((512 - (body.length % 512)) % 512))
  }
  parts.push(Buffer.alloc(1024))
  return zlib.gzipSync(Buffer.concat(parts))
}

function integrity(bytes) {
  return 'sha512-' + crypto.createHash('sha512').update(bytes).digest('base64')
}

function shasum(bytes) {
  return crypto.createHash('sha1').update(bytes).digest('hex')
}

module.exports = { makeTarball, integrity, shasum }
