'use strict'
// Smoke test of the benchmark harness (bench/): the loopback mirror answers abbreviated and
// full packuments, honours the latency knob, counts requests and bytes, 404s what was not
// recorded; and the phase runner runs phases against it: npm (lockfile only) and utoo as its
// native executable, the way the bench runs it (here the debug build of crates/utoo-cli,
// which `cargo test --workspace` leaves in target/debug; built if missing). Offline: the
// fixture registry is built here; neither bun nor pnpm is needed.
const test = require('node:test')
const assert = require('node:assert/strict')
const fs = require('node:fs')
const os = require('node:os')
const path = require('node:path')
const http = require('node:http')
const { execFileSync } = require('node:child_process')

const store = require('../bench/lib/store')
const { startMirror, ABBREV_TYPE } = require('../bench/lib/mirror')
const { makeTarball, integrity, shasum } = require('../bench/lib/tarball')
const { PhaseRunner } = require('../bench/lib/runner')
const installers = require('../bench/lib/installers')
const { nativeUtoo, nativeNeedsBuild } = require('./helpers/native')

const FAKE_UPSTREAM = 'https://upstream.invalid/'

function get(url, headers = {}) {
  return new Promise((resolve, reject) => {
    const agent = new http.Agent({ keepAlive: false })
    http
      .get(url, { headers, agent }, (res) => {
        const chunks = []
        res.on('data', (c) => chunks.push(c))
        res.on('end', () => resolve({ status: res.statusCode, headers: res.headers, body: Buffer.concat(chunks) }))
      })
      .on('error', reject)
  })
}

/** A tiny recorded registry: bench-fixture-a@1.0.0/1.1.0 and @bench/b@1.0.0 (→ a ^1.0.0). */
function makeFixture(dataDir) {
  const tarballs = {}
  const version = (name, v, extra = {}) => {
    const pkg = { name, version: v, description: `fixture ${name}`, ...extra }
    const tgz = makeTarball({ 'package.json': JSON.stringify(pkg, null, 2), 'index.js': `module.exports = ${JSON.stringify(name + '@' + v)}\n` })
    tarballs[`${name}@${v}`] = tgz
    const bare = name.split('/').pop()
    return {
      ...pkg,
      readme: 'a long readme that abbreviated packuments leave out',
      scripts: extra.scripts || { test: 'echo ok' },
      _npmUser: { name: 'someone' },
      dist: { tarball: `${FAKE_UPSTREAM}${name}/-/${bare}-${v}.tgz`, integrity: integrity(tgz), shasum: shasum(tgz) },
    }
  }
  const a = {
    name: 'bench-fixture-a',
    'dist-tags': { latest: '1.1.0' },
    readme: 'top-level readme',
    time: { modified: '2024-01-02T00:00:00.000Z', '1.0.0': '2024-01-01T00:00:00.000Z', '1.1.0': '2024-01-02T00:00:00.000Z' },
    versions: {
      '1.0.0': version('bench-fixture-a', '1.0.0'),
      '1.1.0': version('bench-fixture-a', '1.1.0', { scripts: { postinstall: 'node -e 0' } }),
    },
  }
  const b = {
    name: '@bench/b',
    'dist-tags': { latest: '1.0.0' },
    time: { modified: '2024-01-03T00:00:00.000Z', '1.0.0': '2024-01-03T00:00:00.000Z' },
    versions: { '1.0.0': version('@bench/b', '1.0.0', { dependencies: { 'bench-fixture-a': '^1.0.0' } }) },
  }
  for (const doc of [a, b]) store.writePackument(dataDir, doc.name, store.rewritePackument(doc, FAKE_UPSTREAM))
  // a@1.0.0's tarball is deliberately not recorded.
  store.writeTarball(dataDir, 'bench-fixture-a', 'bench-fixture-a-1.1.0.tgz', tarballs['bench-fixture-a@1.1.0'])
  store.writeTarball(dataDir, '@bench/b', 'b-1.0.0.tgz', tarballs['@bench/b@1.0.0'])
  return tarballs
}

function systemNpmCli() {
  const npm = execFileSync('sh', ['-c', 'command -v npm'], { encoding: 'utf8' }).trim()
  const real = fs.realpathSync(npm)
  const cli = path.join(path.dirname(real), 'npm-cli.js')
  return fs.existsSync(cli) ? cli : real
}

test('bench harness: mirror and phase runner', { timeout: nativeNeedsBuild() ? 20 * 60000 : 60000 }, async (t) => {
  const utoo = nativeUtoo()
  const tmp = fs.mkdtempSync(path.join(os.tmpdir(), 'utoo-bench-test-'))
  const dataDir = path.join(tmp, 'data')
  const tarballs = makeFixture(dataDir)
  const mirror = await startMirror({ dataDir, port: 0, preload: true })
  t.after(async () => {
    await mirror.close()
    fs.rmSync(tmp, { recursive: true, force: true })
  })
  assert.match(mirror.url, /^http:\/\/127\.0\.0\.1:\d+\/$/)
  // Nothing recorded may keep the upstream host.
  for (const f of fs.readdirSync(path.join(dataDir, 'packuments'))) {
    assert.ok(!fs.readFileSync(path.join(dataDir, 'packuments', f), 'utf8').includes('upstream.invalid'), f)
  }

  await t.test('abbreviated vs full packuments', async () => {
    const abbr = await get(mirror.url + 'bench-fixture-a', { accept: `${ABBREV_TYPE}; q=1.0, application/json; q=0.8, */*` })
    assert.equal(abbr.status, 200)
    assert.match(abbr.headers['content-type'], /application\/vnd\.npm\.install-v1\+json/)
    const a = JSON.parse(abbr.body)
    assert.deepEqual(Object.keys(a.versions), ['1.0.0', '1.1.0'])
    assert.equal(a.readme, undefined)
    assert.equal(a.modified, '2024-01-02T00:00:00.000Z')
    const v = a.versions['1.1.0']
    assert.equal(v.readme, undefined)
    assert.equal(v.scripts, undefined)
    assert.equal(v._npmUser, undefined)
    assert.equal(v.hasInstallScript, true)
    assert.equal(a.versions['1.0.0'].hasInstallScript, undefined)
    assert.equal(v.dist.tarball, `${mirror.url}bench-fixture-a/-/bench-fixture-a-1.1.0.tgz`)
    assert.equal(v.dist.integrity, integrity(tarballs['bench-fixture-a@1.1.0']))

    const full = await get(mirror.url + 'bench-fixture-a', { accept: 'application/json' })
    assert.equal(full.status, 200)
    assert.match(full.headers['content-type'], /^application\/json/)
    const f = JSON.parse(full.body)
    assert.equal(f.readme, 'top-level readme')
    assert.equal(f.versions['1.1.0'].scripts.postinstall, 'node -e 0')
    assert.ok(f.time)
    assert.ok(full.body.length > abbr.body.length)

    // Scoped names, with the slash encoded or not; gzip when asked; ETag revalidation.
    const enc = await get(mirror.url + '@bench%2fb', { accept: ABBREV_TYPE, 'accept-encoding': 'gzip' })
    assert.equal(enc.status, 200)
    assert.equal(enc.headers['content-encoding'], 'gzip')
    const b = JSON.parse(require('node:zlib').gunzipSync(enc.body))
    assert.equal(b.versions['1.0.0'].dependencies['bench-fixture-a'], '^1.0.0')
    assert.equal(b.versions['1.0.0'].dist.tarball, `${mirror.url}@bench/b/-/b-1.0.0.tgz`)
    const plain = await get(mirror.url + '@bench/b', { accept: ABBREV_TYPE })
    assert.equal(plain.status, 200)
    const again = await get(mirror.url + '@bench/b', { accept: ABBREV_TYPE, 'if-none-match': plain.headers.etag })
    assert.equal(again.status, 304)
  })

  await t.test('tarballs, 404s and counters', async () => {
    mirror.reset()
    const tgz = await get(mirror.url + 'bench-fixture-a/-/bench-fixture-a-1.1.0.tgz')
    assert.equal(tgz.status, 200)
    assert.deepEqual(tgz.body, tarballs['bench-fixture-a@1.1.0'])
    const scoped = await get(mirror.url + '@bench/b/-/b-1.0.0.tgz')
    assert.equal(scoped.status, 200)
    assert.equal((await get(mirror.url + 'bench-fixture-a/-/bench-fixture-a-1.0.0.tgz')).status, 404)
    assert.equal((await get(mirror.url + 'not-recorded')).status, 404)
    const pk = await get(mirror.url + 'bench-fixture-a', { accept: ABBREV_TYPE })

    const stats = JSON.parse((await get(mirror.url + '-/stats')).body)
    assert.equal(stats.requests, 5)
    assert.equal(stats.tarballRequests, 3)
    assert.equal(stats.packumentRequests, 2)
    assert.equal(stats.abbreviatedRequests, 1)
    assert.equal(stats.notFound, 2)
    assert.equal(stats.tarballBytes, tgz.body.length + scoped.body.length)
    assert.equal(stats.bytes, tgz.body.length + scoped.body.length + pk.body.length)
    assert.deepEqual(stats.notFoundPaths.sort(), ['/bench-fixture-a/-/bench-fixture-a-1.0.0.tgz', '/not-recorded'])
    // /-/reset answers the old counters and zeroes them; the stats endpoints are not counted.
    const old = JSON.parse((await get(mirror.url + '-/reset')).body)
    assert.equal(old.requests, 5)
    assert.equal(mirror.stats().requests, 0)
  })

  await t.test('latency knob', async () => {
    const fast = Date.now()
    await get(mirror.url + 'bench-fixture-a', { accept: ABBREV_TYPE })
    const fastMs = Date.now() - fast
    const cfg = JSON.parse((await get(mirror.url + '-/config?latencyMs=150')).body)
    assert.equal(cfg.latencyMs, 150)
    const slow = Date.now()
    await get(mirror.url + 'bench-fixture-a', { accept: ABBREV_TYPE })
    const slowMs = Date.now() - slow
    assert.ok(slowMs >= 145, `latency 150 ms gave ${slowMs} ms`)
    assert.ok(slowMs > fastMs)
    mirror.configure({ latencyMs: 0, bandwidthMbps: 8 })
    // 8 Mbit/s = 1 MB/s: the ~300-byte tarball is instant, the knob itself must not break serving.
    const tgz = await get(mirror.url + '@bench/b/-/b-1.0.0.tgz')
    assert.deepEqual(tgz.body, tarballs['@bench/b@1.0.0'])
    mirror.configure({ latencyMs: 0, bandwidthMbps: 0 })
  })

  await t.test('phase runner: npm p1_resolve (lockfile only) against the mirror', { timeout: 45000 }, async () => {
    const projectDir = path.join(tmp, 'project')
    fs.mkdirSync(projectDir)
    const packageJson = path.join(projectDir, 'package.json')
    fs.writeFileSync(packageJson, JSON.stringify({ name: 'bench-smoke', version: '1.0.0', private: true, dependencies: { '@bench/b': '^1.0.0' } }))
    const runner = new PhaseRunner({
      root: path.join(tmp, 'work'),
      project: 'smoke',
      packageJson,
      dataDir,
      mirror,
      quiet: false,
      tools: { npm: systemNpmCli() },
    })
    const rec = await runner.sample('npm', 'p1', { latencyMs: 0, round: 1 })
    assert.equal(rec.error, null, rec.error)
    assert.equal(rec.ok, true)
    assert.equal(rec.valid, true, JSON.stringify(rec.canaries))
    assert.equal(rec.phase, 'p1_resolve')
    assert.ok(rec.wallMs > 0)
    assert.ok(rec.packumentRequests >= 2, `packument requests: ${rec.packumentRequests}`)
    assert.equal(rec.tarballRequests, 0)
    const lock = JSON.parse(fs.readFileSync(path.join(tmp, 'work', 'smoke', 'npm', 'work', 'package-lock.json'), 'utf8'))
    assert.equal(lock.packages['node_modules/bench-fixture-a'].version, '1.1.0')
    assert.equal(lock.packages['node_modules/@bench/b'].version, '1.0.0')
    assert.ok(!fs.existsSync(path.join(tmp, 'work', 'smoke', 'npm', 'work', 'node_modules')))
  })

  await t.test('phase runner: utoo native binary (p1, golden, p3, p5) against the mirror', { timeout: 45000 }, async () => {
    const projectDir = path.join(tmp, 'project-utoo')
    fs.mkdirSync(projectDir)
    const packageJson = path.join(projectDir, 'package.json')
    fs.writeFileSync(packageJson, JSON.stringify({ name: 'bench-smoke', version: '1.0.0', private: true, dependencies: { '@bench/b': '^1.0.0' } }))
    const root = path.join(tmp, 'work-utoo')
    const runner = new PhaseRunner({ root, project: 'smoke', packageJson, dataDir, mirror, quiet: false, tools: { utoo } })

    // The command is the executable itself, no Node in between.
    const cmd = runner.command('utoo', 'frozen', path.join(tmp, 'cache'))
    assert.equal(cmd.file, utoo)
    assert.deepEqual(cmd.args.slice(0, 2), ['ci', '--registry'])
    assert.ok(cmd.args.includes('--ignore-scripts'))
    assert.deepEqual(cmd.args.slice(-2), ['--reporter', 'ndjson'])
    assert.match(installers.versions({ utoo }).utoo, /^\d+\.\d+\.\d+\S* \(native release\)$/)

    const work = path.join(root, 'smoke', 'utoo', 'work')
    const p1 = await runner.sample('utoo', 'p1', { latencyMs: 0, round: 1 })
    assert.equal(p1.error, null, p1.error)
    assert.equal(p1.valid, true, JSON.stringify(p1.canaries))
    assert.ok(p1.packumentRequests >= 2, `packument requests: ${p1.packumentRequests}`)
    assert.equal(p1.tarballRequests, 0)
    // The NDJSON summary on stdout is parsed into utoo's own line items.
    assert.equal(typeof (p1.utooTimings && p1.utooTimings.totalMs), 'number', 'no ndjson summary with timings on utoo stdout')
    const lock = JSON.parse(fs.readFileSync(path.join(work, 'package-lock.json'), 'utf8'))
    assert.equal(lock.packages['node_modules/bench-fixture-a'].version, '1.1.0')
    assert.equal(lock.packages['node_modules/@bench/b'].version, '1.0.0')
    assert.ok(!fs.existsSync(path.join(work, 'node_modules')))

    const golden = await runner.prepareGolden('utoo')
    assert.equal(golden.ok, true, golden.error)
    assert.deepEqual(golden.lockfiles, ['package-lock.json'])

    // Cold install from the golden lockfile: both tarballs fetched and extracted.
    const p3 = await runner.sample('utoo', 'p3', { latencyMs: 0, round: 1 })
    assert.equal(p3.error, null, p3.error)
    assert.equal(p3.valid, true, JSON.stringify(p3.canaries))
    assert.equal(p3.tarballRequests, 2)
    assert.equal(p3.nmPackages, 2)
    assert.equal(typeof (p3.utooTimings && p3.utooTimings.fetchLinkMs), 'number')
    assert.equal(require(path.join(work, 'node_modules', 'bench-fixture-a')), 'bench-fixture-a@1.1.0')

    // No-op: node_modules already matches the lockfile; utoo must not touch the network.
    const p5 = await runner.sample('utoo', 'p5', { latencyMs: 0, round: 1 })
    assert.equal(p5.error, null, p5.error)
    assert.equal(p5.valid, true, JSON.stringify(p5.canaries))
    assert.equal(p5.requests, 0)
  })
})
