'use strict'
// Runs one benchmark sample: puts an installer's work dir and cache into the state a phase
// demands, runs the command under GNU time, and gathers wall/CPU/RSS/context switches, the
// mirror's request and byte counters, node_modules size, utoo's own line items, and the
// canaries that prove the sample measured what the phase claims.
const fs = require('node:fs')
const path = require('node:path')
const { spawn, execFileSync } = require('node:child_process')

const installers = require('./installers')
const store = require('./store')

const PHASES = {
  p0_full_cold: { lockfile: false, cache: 'empty', nodeModules: false, kind: 'install', installs: true },
  p1_resolve: { lockfile: false, cache: 'empty', nodeModules: false, kind: 'lockfileOnly', installs: false },
  p3_cold_install: { lockfile: true, cache: 'empty', nodeModules: false, kind: 'frozen', installs: true },
  p4_warm_link: { lockfile: true, cache: 'warm', nodeModules: false, kind: 'frozen', installs: true },
  p5_noop: { lockfile: true, cache: 'warm', nodeModules: true, kind: 'noop', installs: true },
}

/** "p3" or "p3_cold_install" -> "p3_cold_install". */
function phaseName(short) {
  const hit = Object.keys(PHASES).find((p) => p === short || p.split('_')[0] === short)
  if (!hit) throw new Error(`unknown phase ${short} (have ${Object.keys(PHASES).join(', ')})`)
  return hit
}

const TIME_BIN = ['/usr/bin/time', '/bin/time'].find((p) => fs.existsSync(p)) || null
const TIME_FORMAT = '%e %U %S %M %w %c %x'

function rmrf(p) {
  fs.rmSync(p, { recursive: true, force: true, maxRetries: 3 })
}

/** Per-installer dirs of one project under the work root. */
function layout(root, project, installer) {
  const base = path.join(root, project, installer)
  return {
    base,
    work: path.join(base, 'work'),
    coldCache: path.join(base, 'cache-cold'),
    warmCache: path.join(base, 'cache-warm'),
    golden: path.join(base, 'golden'),
    logs: path.join(base, 'logs'),
    userconfig: path.join(root, 'npmrc'),
  }
}

function writeNpmrc(file, registry) {
  fs.mkdirSync(path.dirname(file), { recursive: true })
  fs.writeFileSync(file, `registry=${registry}\nfund=false\naudit=false\nupdate-notifier=false\n`)
}

/** A fresh work dir holding the project's package.json and a .npmrc naming the mirror. */
function freshWorkDir(dir, packageJson, registry) {
  rmrf(dir)
  fs.mkdirSync(dir, { recursive: true })
  fs.copyFileSync(packageJson, path.join(dir, 'package.json'))
  fs.writeFileSync(path.join(dir, '.npmrc'), `registry=${registry}\n`)
}

function saveGolden(installer, work, golden) {
  rmrf(golden)
  fs.mkdirSync(golden, { recursive: true })
  const saved = []
  for (const f of installers.LOCKFILES[installer]) {
    if (fs.existsSync(path.join(work, f))) {
      fs.copyFileSync(path.join(work, f), path.join(golden, f))
      saved.push(f)
    }
  }
  return saved
}

function restoreGolden(installer, golden, work) {
  let n = 0
  for (const f of installers.LOCKFILES[installer]) {
    if (fs.existsSync(path.join(golden, f))) {
      fs.copyFileSync(path.join(golden, f), path.join(work, f))
      n++
    }
  }
  if (!n) throw new Error(`no golden lockfile for ${installer} in ${golden}`)
}

/**
 * Walks node_modules without following symlinks: regular files, their apparent bytes, and
 * the distinct name@version of every package directory (…/node_modules/[@scope/]name).
 */
function measureNodeModules(dir) {
  const out = { files: 0, bytes: 0, packages: new Set() }
  const nm = path.join(dir, 'node_modules')
  if (!fs.existsSync(nm)) return { files: 0, bytes: 0, packages: [] }
  const stack = [nm]
  while (stack.length) {
    const d = stack.pop()
    let entries
    try {
      entries = fs.readdirSync(d, { withFileTypes: true })
    } catch {
      continue
    }
    const parent = path.basename(d)
    const grand = path.basename(path.dirname(d))
    const isPkgDir = (parent !== 'node_modules' && grand === 'node_modules' && !parent.startsWith('@') && !parent.startsWith('.')) ||
      (parent !== 'node_modules' && grand.startsWith('@') && path.basename(path.dirname(path.dirname(d))) === 'node_modules')
    for (const e of entries) {
      const p = path.join(d, e.name)
      if (e.isDirectory()) stack.push(p)
      else if (e.isFile()) {
        out.files++
        try {
          out.bytes += fs.lstatSync(p).size
        } catch {}
        if (isPkgDir && e.name === 'package.json') {
          try {
            const pj = JSON.parse(fs.readFileSync(p, 'utf8'))
            if (pj.name && pj.version) out.packages.add(`${pj.name}@${pj.version}`)
          } catch {}
        }
      }
    }
  }
  return { files: out.files, bytes: out.bytes, packages: [...out.packages] }
}

/** Sum of the recorded tarball sizes of `packages` (name@version); unknown ones are skipped. */
function expectedTarballBytes(dataDir, packages) {
  let bytes = 0
  let known = 0
  for (const id of packages) {
    const at = id.lastIndexOf('@')
    const name = id.slice(0, at)
    const version = id.slice(at + 1)
    const file = store.tarballFile(dataDir, name, store.tarballFileName(name, version))
    try {
      bytes += fs.statSync(file).size
      known++
    } catch {}
  }
  return { bytes, known }
}

function parseTime(text) {
  const line = text.trim().split('\n').filter((l) => /^[\d.]+ [\d.]+ [\d.]+ \d+ \d+ \d+/.test(l)).pop()
  if (!line) return null
  const [e, u, s, m, w, c] = line.split(' ').map(Number)
  return { elapsedS: e, userS: u, sysS: s, maxRssKB: m, volCtx: w, involCtx: c }
}

function lastUtooSummary(stdout) {
  const lines = stdout.trim().split('\n')
  for (let i = lines.length - 1; i >= 0; i--) {
    try {
      const j = JSON.parse(lines[i])
      if (j && j.type === 'summary') return j.summary
    } catch {}
  }
  return null
}

/** Runs `file args` in `cwd` under GNU time; resolves wall time, rusage, exit code, output. */
function timed({ file, args, env, cwd, logPrefix, timeoutMs = 20 * 60 * 1000 }) {
  fs.mkdirSync(path.dirname(logPrefix), { recursive: true })
  const outFile = logPrefix + '.stdout'
  const errFile = logPrefix + '.stderr'
  const timeFile = logPrefix + '.time'
  rmrf(timeFile)
  const out = fs.openSync(outFile, 'w')
  const err = fs.openSync(errFile, 'w')
  const argv = TIME_BIN ? [TIME_BIN, ['-f', TIME_FORMAT, '-o', timeFile, file, ...args]] : [file, args]
  return new Promise((resolve) => {
    const start = process.hrtime.bigint()
    const child = spawn(argv[0], argv[1], { cwd, env, stdio: ['ignore', out, err] })
    const timer = setTimeout(() => child.kill('SIGKILL'), timeoutMs)
    child.on('error', (error) => {
      clearTimeout(timer)
      fs.closeSync(out)
      fs.closeSync(err)
      resolve({ code: -1, wallMs: 0, error: String(error), stdout: '', stderr: '' })
    })
    child.on('exit', (code, signal) => {
      const wallMs = Number(process.hrtime.bigint() - start) / 1e6
      clearTimeout(timer)
      fs.closeSync(out)
      fs.closeSync(err)
      const rusage = fs.existsSync(timeFile) ? parseTime(fs.readFileSync(timeFile, 'utf8')) : null
      resolve({
        code: signal ? -1 : code,
        signal,
        wallMs,
        rusage,
        stdout: fs.readFileSync(outFile, 'utf8'),
        stderr: fs.readFileSync(errFile, 'utf8'),
      })
    })
  })
}

/** Busy and total jiffies summed over all CPUs, from /proc/stat. */
function cpuJiffies() {
  try {
    const line = fs.readFileSync('/proc/stat', 'utf8').split('\n')[0]
    const v = line.trim().split(/\s+/).slice(1).map(Number)
    const idle = v[3] + (v[4] || 0)
    const total = v.reduce((a, b) => a + b, 0)
    return { busy: total - idle, total }
  } catch {
    return null
  }
}
const HZ = 100

/**
 * Waits (up to maxWaitMs) until the machine is quiet: over a 1 s window at most
 * `maxBusyCores` cores' worth of CPU in use by anything. Other work on a shared 2-core box
 * (builds, tests) otherwise lands inside a sample. Resolves how long it waited.
 */
async function waitQuiet({ maxBusyCores = 0.3, maxWaitMs = 30000 } = {}) {
  const start = Date.now()
  for (;;) {
    const a = cpuJiffies()
    if (!a) return 0
    await new Promise((r) => setTimeout(r, 1000))
    const b = cpuJiffies()
    const busyCores = (b.busy - a.busy) / HZ
    if (busyCores <= maxBusyCores || Date.now() - start > maxWaitMs) return Date.now() - start
  }
}

function tail(text, n = 15) {
  return text.trim().split('\n').slice(-n).join('\n')
}

/**
 * The useful part of a failed command's output: the first error line and what follows it
 * (a Rust backtrace is cut), plus any panic line, else the last lines.
 */
function errorSummary(text) {
  const lines = text.trim().split('\n')
  let first = lines.findIndex((l) => /^(error|npm error|npm ERR|ERR_|\s*error:)/i.test(l))
  const panic = lines.findIndex((l) => /panicked at/.test(l))
  if (first < 0 && panic < 0) return tail(text)
  const out = []
  if (first < 0) first = panic
  for (let i = first; i < lines.length && out.length < 8; i++) {
    if (/^\s*(stack backtrace:|\d+: )/.test(lines[i]) || (i > first && /panicked at/.test(lines[i]))) break
    out.push(lines[i])
  }
  if (panic >= 0 && panic !== first) out.push(...lines.slice(panic, panic + 2))
  return out.filter((l, i) => l.trim() || i === 0).join('\n')
}

/**
 * A bench context for one project: { root, project, packageJson, dataDir, mirror,
 * tools? }. `tools` overrides installers.toolPaths() (run.js passes the snapshot of the
 * utoo binary). `mirror` is what startMirror() resolved (in-process), so the counters are
 * read without HTTP.
 */
class PhaseRunner {
  constructor(ctx) {
    this.ctx = ctx
    this.state = new Map() // installer -> 'installed' | null (work dir state)
    this.goldenOk = new Map()
    writeNpmrc(layout(ctx.root, ctx.project, 'x').userconfig, ctx.mirror.url)
  }

  command(installer, kind, cacheDir) {
    const L = layout(this.ctx.root, this.ctx.project, installer)
    return installers.commandFor(installer, kind, {
      registry: this.ctx.mirror.url,
      cacheDir,
      userconfig: L.userconfig,
      tools: this.ctx.tools,
      utooReporter: this.ctx.utooReporter,
    })
  }

  /**
   * Untimed preparation: a full install from nothing into a fresh warm cache; keeps the
   * lockfile it wrote as the installer's golden lockfile for p3/p4/p5.
   */
  async prepareGolden(installer) {
    const L = layout(this.ctx.root, this.ctx.project, installer)
    freshWorkDir(L.work, this.ctx.packageJson, this.ctx.mirror.url)
    rmrf(L.warmCache)
    fs.mkdirSync(L.warmCache, { recursive: true })
    const cmd = this.command(installer, 'install', L.warmCache)
    const res = await timed({ ...cmd, cwd: L.work, logPrefix: path.join(L.logs, 'golden') })
    if (res.code !== 0) {
      this.goldenOk.set(installer, false)
      this.state.set(installer, null)
      return { ok: false, error: `exit ${res.code}${res.signal ? ' ' + res.signal : ''}: ${errorSummary(res.stderr || res.stdout)}` }
    }
    const saved = saveGolden(installer, L.work, L.golden)
    this.goldenOk.set(installer, saved.length > 0)
    this.state.set(installer, 'installed')
    return { ok: saved.length > 0, lockfiles: saved, wallMs: res.wallMs, error: saved.length ? null : 'no lockfile written' }
  }

  /** One timed sample of `phase` for `installer`; resolves a flat result record. */
  async sample(installer, phaseKey, extra = {}) {
    const phase = PHASES[phaseName(phaseKey)]
    const name = phaseName(phaseKey)
    const L = layout(this.ctx.root, this.ctx.project, installer)
    const rec = { project: this.ctx.project, installer, phase: name, ...extra, ok: false, valid: false, canaries: [], error: null }
    if (phase.lockfile && !this.goldenOk.get(installer)) {
      rec.error = 'skipped: no golden lockfile (the preparatory install failed)'
      return rec
    }
    const cacheDir = phase.cache === 'warm' ? L.warmCache : L.coldCache
    // Preparation (untimed).
    if (phase.nodeModules) {
      if (this.state.get(installer) !== 'installed') {
        freshWorkDir(L.work, this.ctx.packageJson, this.ctx.mirror.url)
        restoreGolden(installer, L.golden, L.work)
        const prep = await timed({ ...this.command(installer, 'frozen', cacheDir), cwd: L.work, logPrefix: path.join(L.logs, 'prep-' + name) })
        if (prep.code !== 0) {
          rec.error = `preparatory install failed: ${tail(prep.stderr || prep.stdout)}`
          this.state.set(installer, null)
          return rec
        }
      }
    } else {
      freshWorkDir(L.work, this.ctx.packageJson, this.ctx.mirror.url)
      if (phase.lockfile) restoreGolden(installer, L.golden, L.work)
    }
    if (phase.cache === 'empty') {
      rmrf(cacheDir)
      fs.mkdirSync(cacheDir, { recursive: true })
    }
    this.state.set(installer, null)
    // Settle: dirty pages from the preparation are written back before the clock starts.
    try {
      execFileSync('sync')
    } catch {}

    if (this.ctx.quiet !== false) rec.waitedQuietMs = await waitQuiet(this.ctx.quiet || {})
    this.ctx.mirror.reset()
    const cmd = this.command(installer, phase.kind, cacheDir)
    const cpu0 = cpuJiffies()
    const self0 = process.cpuUsage()
    const res = await timed({ ...cmd, cwd: L.work, logPrefix: path.join(L.logs, `${name}-${extra.latencyMs ?? 0}ms-r${extra.round ?? 0}`) })
    const mstats = this.ctx.mirror.stats()
    const cpu1 = cpuJiffies()
    const self1 = process.cpuUsage(self0)
    rec.wallMs = Math.round(res.wallMs * 10) / 10
    Object.assign(rec, res.rusage || {})
    rec.exitCode = res.code
    // CPU used during the sample by neither the installer nor this process (the mirror):
    // other work on the machine that competed with the sample.
    if (cpu0 && cpu1 && res.rusage) {
      rec.mirrorCpuS = Math.round((self1.user + self1.system) / 1e4) / 100
      rec.backgroundCpuS = Math.max(0, Math.round(((cpu1.busy - cpu0.busy) / HZ - res.rusage.userS - res.rusage.sysS - rec.mirrorCpuS) * 100) / 100)
    }
    Object.assign(rec, {
      requests: mstats.requests,
      packumentRequests: mstats.packumentRequests,
      tarballRequests: mstats.tarballRequests,
      notFound: mstats.notFound,
      notModified: mstats.notModified,
      bytes: mstats.bytes,
      tarballBytes: mstats.tarballBytes,
      packumentBytes: mstats.packumentBytes,
    })
    if (mstats.notFoundPaths.length) rec.notFoundPaths = mstats.notFoundPaths.slice(0, 10)
    if (installer === 'utoo') {
      const s = lastUtooSummary(res.stdout)
      if (s && s.timings) rec.utooTimings = s.timings
    }
    if (res.code !== 0) {
      rec.error = `exit ${res.code}${res.signal ? ' (' + res.signal + ')' : ''}: ${errorSummary(res.stderr || res.stdout)}`
      rec.logs = L.logs
      return rec
    }
    rec.ok = true
    if (phase.installs) {
      const nm = measureNodeModules(L.work)
      rec.nmFiles = nm.files
      rec.nmBytes = nm.bytes
      rec.nmPackages = nm.packages.length
      this.state.set(installer, 'installed')
      if (phase.cache === 'empty') {
        const exp = expectedTarballBytes(this.ctx.dataDir, nm.packages)
        rec.expectedTarballBytes = exp.bytes
      }
    }
    rec.canaries = this.canaries(installer, name, rec)
    rec.valid = rec.canaries.every((c) => c.ok)
    return rec
  }

  canaries(installer, phase, rec) {
    const out = []
    if (phase === 'p0_full_cold' || phase === 'p3_cold_install') {
      const ok = rec.expectedTarballBytes > 0 && rec.tarballBytes >= 0.9 * rec.expectedTarballBytes
      out.push({
        name: 'cold-cache',
        ok,
        detail: `tarball bytes served ${rec.tarballBytes} vs ${rec.expectedTarballBytes} for the ${rec.nmPackages} installed packages`,
      })
    }
    if (phase === 'p0_full_cold' || phase === 'p1_resolve') {
      out.push({ name: 'resolved-from-registry', ok: rec.packumentRequests > 0, detail: `${rec.packumentRequests} packument requests` })
    }
    if (phase === 'p4_warm_link') {
      out.push({ name: 'no-tarball-requests', ok: rec.tarballRequests === 0, detail: `${rec.tarballRequests} tarball requests` })
    }
    if (phase === 'p5_noop') {
      // utoo must not touch the network; the peers may revalidate, which is reported.
      out.push({
        name: 'no-requests',
        ok: installer !== 'utoo' || rec.requests === 0,
        detail: `${rec.requests} requests`,
        informational: installer !== 'utoo',
      })
    }
    return out
  }
}

module.exports = { errorSummary, waitQuiet, cpuJiffies, PHASES, phaseName, PhaseRunner, layout, measureNodeModules, expectedTarballBytes, timed, parseTime, lastUtooSummary, TIME_BIN, rmrf }
