#!/usr/bin/env node
'use strict'
// Records, once, what a benchmark project needs from the configured registry into the
// mirror's data dir (bench/data/ by default):
//   1. `npm install --package-lock-only --ignore-scripts` in a temp dir against the registry
//      npm is configured with (`npm config get registry`);
//   2. every packument named in package-lock.json `packages`, whole, with every version's
//      dist.tarball rewritten to the mirror;
//   3. the tarballs of the locked versions (404s, e.g. some optional platform packages, are
//      skipped and listed);
//   4. a fill pass: each installer under test (npm, pnpm, bun, utoo; those installed) does a
//      full install against the mirror in record-through mode, so versions or packages they
//      pick differently from npm get recorded too.
//
//   node bench/record.js --project medium [--data bench/data] [--fill npm,pnpm,bun,utoo|none] [--concurrency 16] [--refresh]
const crypto = require('node:crypto')
const fs = require('node:fs')
const os = require('node:os')
const path = require('node:path')
const { execFileSync } = require('node:child_process')

const { parseArgs, list } = require('./lib/args')
const store = require('./lib/store')
const { get, pool, destroyAgents } = require('./lib/fetch')
const { startMirror } = require('./lib/mirror')
const installers = require('./lib/installers')
const { timed, rmrf, measureNodeModules } = require('./lib/runner')

function configuredRegistry() {
  const out = execFileSync('npm', ['config', 'get', 'registry'], { encoding: 'utf8', stdio: ['ignore', 'pipe', 'ignore'] }).trim()
  if (!/^https?:\/\//.test(out)) throw new Error(`npm config get registry gave ${JSON.stringify(out)}`)
  return out.replace(/\/?$/, '/')
}

/** name -> Set(version) from a package-lock.json v2/v3 `packages` map. */
function lockClosure(lock) {
  const out = new Map()
  for (const [key, entry] of Object.entries(lock.packages || {})) {
    if (key === '' || entry.link || entry.inBundle || !entry.version) continue
    const name = entry.name || key.slice(key.lastIndexOf('node_modules/') + 'node_modules/'.length)
    if (!out.has(name)) out.set(name, new Set())
    out.get(name).add(entry.version)
  }
  return out
}

function integrityOk(bytes, integrity, shasum) {
  if (integrity) {
    for (const part of integrity.split(/\s+/)) {
      const [algo, digest] = part.split(/-(.*)/s)
      if (!['sha512', 'sha384', 'sha256', 'sha1'].includes(algo)) continue
      return crypto.createHash(algo).update(bytes).digest('base64') === digest
    }
  }
  if (shasum) return crypto.createHash('sha1').update(bytes).digest('hex') === shasum
  return true
}

async function main() {
  const args = parseArgs(process.argv.slice(2), { concurrency: 16 })
  const project = args.project || 'medium'
  const dataDir = args.data ? path.resolve(args.data) : store.DEFAULT_DATA_DIR
  const packageJson = path.join(__dirname, 'projects', project, 'package.json')
  if (!fs.existsSync(packageJson)) throw new Error(`no ${packageJson}`)
  const registry = configuredRegistry()
  const t0 = Date.now()
  const log = (m) => console.error(`[record ${project}] ${m}`)

  // 1. npm's lockfile closure against the real registry.
  const tmp = fs.mkdtempSync(path.join(os.tmpdir(), `utoo-bench-record-${project}-`))
  fs.copyFileSync(packageJson, path.join(tmp, 'package.json'))
  log(`resolving with npm (npm install --package-lock-only) in ${tmp}`)
  execFileSync('npm', ['install', '--package-lock-only', '--ignore-scripts', '--no-audit', '--no-fund', '--loglevel', 'error'], {
    cwd: tmp,
    stdio: ['ignore', 'ignore', 'inherit'],
    env: Object.fromEntries(Object.entries(process.env).filter(([k]) => !k.toLowerCase().startsWith('npm_'))),
  })
  const lock = JSON.parse(fs.readFileSync(path.join(tmp, 'package-lock.json'), 'utf8'))
  const closure = lockClosure(lock)
  const lockEntries = Object.keys(lock.packages).length - 1
  log(`${lockEntries} lock entries, ${closure.size} distinct packages`)

  // 2. packuments: the closure's, plus the names locked versions list as peer or optional
  // dependencies (other npm versions fetch those even when they do not install them). A
  // packument already in the store is reused unless it lacks a locked version (or --refresh),
  // so projects sharing the store keep resolving the same way.
  const upstreamUrls = new Map()
  let packumentBytes = 0
  const missingPackuments = []
  let done = 0
  const fetchPackument = async (name, versions) => {
    const file = store.packumentFile(dataDir, name)
    if (!args.refresh && fs.existsSync(file)) {
      const stored = JSON.parse(fs.readFileSync(file, 'utf8'))
      if ([...versions].every((v) => stored.versions && stored.versions[v])) return stored
    }
    const res = await get(registry + name.replace('/', '%2f'), { accept: 'application/json', gzip: true })
    if (res.status !== 200) {
      missingPackuments.push(name)
      return null
    }
    const full = JSON.parse(res.body.toString('utf8'))
    const urls = new Map()
    for (const [v, meta] of Object.entries(full.versions || {})) {
      if (meta && meta.dist) urls.set(v, { url: meta.dist.tarball, integrity: meta.dist.integrity, shasum: meta.dist.shasum })
    }
    upstreamUrls.set(name, urls)
    const text = store.rewritePackument(full, registry)
    packumentBytes += text.length
    store.writePackument(dataDir, name, text)
    return JSON.parse(text)
  }
  const names = [...closure.keys()].sort()
  const extra = new Set()
  await pool(names, Number(args.concurrency), async (name) => {
    const doc = await fetchPackument(name, closure.get(name))
    if (++done % 200 === 0) log(`${done}/${names.length} packuments`)
    if (!doc) return
    for (const v of closure.get(name)) {
      const meta = doc.versions[v] || {}
      for (const d of Object.keys({ ...meta.peerDependencies, ...meta.optionalDependencies })) if (!closure.has(d)) extra.add(d)
    }
  })
  await pool([...extra], Number(args.concurrency), (name) => fetchPackument(name, []))
  log(`${names.length + extra.size - missingPackuments.length} packuments (${extra.size} only named as peer/optional deps; ${(packumentBytes / 1e6).toFixed(1)} MB fetched now)`)
  if (missingPackuments.length) log(`  not on the registry: ${missingPackuments.join(', ')}`)

  // Upstream tarball URLs of locked versions whose packument was reused from the store.
  for (const name of names) {
    if (upstreamUrls.has(name)) continue
    const stored = JSON.parse(fs.readFileSync(store.packumentFile(dataDir, name), 'utf8'))
    const urls = new Map()
    for (const v of closure.get(name)) {
      const d = stored.versions[v] && stored.versions[v].dist
      if (!d) continue
      const file = d.tarball.split('/').pop()
      urls.set(v, { url: `${registry}${name}/-/${file}`, integrity: d.integrity, shasum: d.shasum })
    }
    upstreamUrls.set(name, urls)
  }
  // Only the locked versions get their tarballs downloaded.
  for (const [name, urls] of upstreamUrls) {
    const want = closure.get(name)
    for (const v of [...urls.keys()]) if (!want || !want.has(v)) urls.delete(v)
  }

  // 3. tarballs of the locked versions.
  const jobs = []
  for (const [name, urls] of upstreamUrls) for (const [version, d] of urls) jobs.push({ name, version, ...d })
  const skipped = []
  let fetched = 0
  let tarballBytes = 0
  done = 0
  await pool(jobs, Number(args.concurrency), async (j) => {
    const file = store.tarballFileName(j.name, j.version, j.url)
    const dest = store.tarballFile(dataDir, j.name, file)
    if (fs.existsSync(dest)) {
      tarballBytes += fs.statSync(dest).size
      return
    }
    const res = await get(j.url)
    if (res.status !== 200) {
      skipped.push(`${j.name}@${j.version} (HTTP ${res.status})`)
      return
    }
    if (!integrityOk(res.body, j.integrity, j.shasum)) throw new Error(`integrity mismatch for ${j.name}@${j.version}`)
    store.writeTarball(dataDir, j.name, file, res.body)
    fetched++
    tarballBytes += res.body.length
    if (++done % 200 === 0) log(`${done} tarballs downloaded`)
  })
  log(`${jobs.length - skipped.length} tarballs (${fetched} downloaded now, ${(tarballBytes / 1e6).toFixed(1)} MB); skipped ${skipped.length}`)
  for (const s of skipped) log(`  skipped ${s}`)

  // 4. fill pass through a record-through mirror.
  const fill = list(args.fill) || ['npm', 'pnpm', 'bun', 'utoo']
  const fillReport = {}
  if (fill.length && args.fill !== 'none') {
    const tools = installers.toolPaths()
    const mirror = await startMirror({ dataDir, upstream: registry, log: (m) => log(`  fill: ${m}`) })
    const root = fs.mkdtempSync(path.join(os.tmpdir(), `utoo-bench-fill-${project}-`))
    const userconfig = path.join(root, 'npmrc')
    fs.writeFileSync(userconfig, `registry=${mirror.url}\n`)
    for (const inst of fill) {
      const bin = tools[inst]
      if (!bin || !fs.existsSync(bin)) {
        log(`fill: ${inst} not installed (${bin}); run node bench/setup.js first — skipped`)
        fillReport[inst] = 'not installed'
        continue
      }
      const work = path.join(root, inst, 'work')
      fs.mkdirSync(work, { recursive: true })
      fs.copyFileSync(packageJson, path.join(work, 'package.json'))
      fs.writeFileSync(path.join(work, '.npmrc'), `registry=${mirror.url}\n`)
      mirror.reset()
      const cmd = installers.commandFor(inst, 'install', { registry: mirror.url, cacheDir: path.join(root, inst, 'cache'), userconfig, tools })
      const res = await timed({ ...cmd, cwd: work, logPrefix: path.join(root, inst, 'install') })
      const s = mirror.stats()
      const nm = measureNodeModules(work)
      fillReport[inst] = { exitCode: res.code, seconds: Math.round(res.wallMs / 100) / 10, upstreamFetches: s.upstreamFetches, notFound: s.notFound, packages: nm.packages.length }
      log(`fill: ${inst} exit ${res.code} in ${(res.wallMs / 1000).toFixed(1)} s, ${s.upstreamFetches} recorded through, ${s.notFound} not found, ${nm.packages.length} packages installed`)
      if (res.code !== 0) log(`fill: ${inst} stderr: ${(res.stderr || res.stdout).trim().split('\n').slice(-8).join('\n')}`)
    }
    await mirror.close()
    rmrf(root)
  }

  const total = store.listTarballs(dataDir)
  const previous = store.readProject(dataDir, project)
  store.writeProject(dataDir, project, {
    project,
    recordedAt: new Date().toISOString(),
    lockEntries,
    packages: closure.size,
    packumentsMissing: missingPackuments,
    lockedTarballs: jobs.length - skipped.length,
    lockedTarballBytes: tarballBytes,
    skippedTarballs: skipped,
    fill: Object.keys(fillReport).length ? fillReport : (previous && previous.fill) || {},
    storeTarballs: total.length,
    storeTarballBytes: total.reduce((a, t) => a + t.size, 0),
    seconds: Math.round((Date.now() - t0) / 1000),
  })
  rmrf(tmp)
  destroyAgents()
  log(`done in ${Math.round((Date.now() - t0) / 1000)} s`)
}

main().catch((e) => {
  console.error(e)
  process.exit(1)
})
