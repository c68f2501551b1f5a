'use strict'
// On-disk layout of a recorded registry mirror (bench/data/ by default):
//
//   packuments/<encodeURIComponent(name)>.json   full packument; every URL of the upstream
//                                                registry is replaced by MIRROR_ORIGIN, and
//                                                every version's dist.tarball points at
//                                                `${MIRROR_ORIGIN}/<name>/-/<file>`
//   tarballs/<encodeURIComponent(name)>/<file>   the tarball bytes
//   projects/<project>.json                      what the recorder saw for one project
//
// The placeholder is substituted with the live server origin when the mirror starts, so
// the same data serves any port.
const fs = require('node:fs')
const path = require('node:path')

const MIRROR_ORIGIN = '{{UTOO_BENCH_MIRROR}}'

const DEFAULT_DATA_DIR = path.join(__dirname, '..', 'data')

function packumentFile(dataDir, name) {
  return path.join(dataDir, 'packuments', encodeURIComponent(name) + '.json')
}

function tarballFile(dataDir, name, file) {
  return path.join(dataDir, 'tarballs', encodeURIComponent(name), file)
}

/** The mirror-relative tarball path for `name`'s tarball `file`. */
function tarballPath(name, file) {
  return `/${name}/-/${file}`
}

/** File name of a version's tarball, from its (upstream) URL or the npm convention. */
function tarballFileName(name, version, url) {
  if (url) {
    try {
      const base = decodeURIComponent(new URL(url).pathname.split('/').pop())
      if (base.endsWith('.tgz')) return base
    } catch {}
  }
  const bare = name.startsWith('@') ? name.split('/')[1] : name
  return `${bare}-${version}.tgz`
}

/**
 * Rewrites an upstream packument for the mirror: replaces every occurrence of the upstream
 * registry base (e.g. in `_resolved` fields of old versions) with the placeholder, and points
 * every version's dist.tarball at the mirror. Returns the JSON text to store.
 */
function rewritePackument(packument, registryBase) {
  for (const [version, meta] of Object.entries(packument.versions || {})) {
    if (!meta || typeof meta !== 'object') continue
    if (meta.dist && typeof meta.dist === 'object') {
      const file = tarballFileName(packument.name, version, meta.dist.tarball)
      meta.dist.tarball = MIRROR_ORIGIN + tarballPath(packument.name, file)
    }
  }
  let text = JSON.stringify(packument)
  if (registryBase) {
    const base = registryBase.replace(/\/+$/, '')
    text = text.split(base + '/').join(MIRROR_ORIGIN + '/').split(base).join(MIRROR_ORIGIN)
  }
  return text
}

function writePackument(dataDir, name, text) {
  const file = packumentFile(dataDir, name)
  fs.mkdirSync(path.dirname(file), { recursive: true })
  fs.writeFileSync(file + '.tmp', text)
  fs.renameSync(file + '.tmp', file)
}

function writeTarball(dataDir, name, file, bytes) {
  const dest = tarballFile(dataDir, name, file)
  fs.mkdirSync(path.dirname(dest), { recursive: true })
  fs.writeFileSync(dest + '.tmp', bytes)
  fs.renameSync(dest + '.tmp', dest)
}

function hasTarball(dataDir, name, file) {
  return fs.existsSync(tarballFile(dataDir, name, file))
}

/** Every recorded tarball: [{ name, file, path, size }]. */
function listTarballs(dataDir) {
  const root = path.join(dataDir, 'tarballs')
  const out = []
  if (!fs.existsSync(root)) return out
  for (const dir of fs.readdirSync(root)) {
    const name = decodeURIComponent(dir)
    for (const file of fs.readdirSync(path.join(root, dir))) {
      if (!file.endsWith('.tgz')) continue
      const full = path.join(root, dir, file)
      out.push({ name, file, path: full, size: fs.statSync(full).size })
    }
  }
  return out
}

function listPackuments(dataDir) {
  const root = path.join(dataDir, 'packuments')
  if (!fs.existsSync(root)) return []
  return fs
    .readdirSync(root)
    .filter((f) => f.endsWith('.json'))
    .map((f) => decodeURIComponent(f.slice(0, -'.json'.length)))
}

function readProject(dataDir, project) {
  const file = path.join(dataDir, 'projects', project + '.json')
  return fs.existsSync(file) ? JSON.parse(fs.readFileSync(file, 'utf8')) : null
}

function writeProject(dataDir, project, info) {
  const file = path.join(dataDir, 'projects', project + '.json')
  fs.mkdirSync(path.dirname(file), { recursive: true })
  fs.writeFileSync(file, JSON.stringify(info, null, 2) + '\n')
}

module.exports = {
  MIRROR_ORIGIN,
  DEFAULT_DATA_DIR,
  packumentFile,
  tarballFile,
  tarballPath,
  tarballFileName,
  rewritePackument,
  writePackument,
  writeTarball,
  hasTarball,
  listTarballs,
  listPackuments,
  readProject,
  writeProject,
}
