#!/usr/bin/env node
'use strict'
// Benchmarks utoo against npm, pnpm and bun on recorded projects, served by the loopback
// mirror. `npm run bench` runs this with the defaults below.
//
//   node bench/run.js [--project medium[,large]] [--runs 3] [--latency 0,20]
//                     [--phases p0,p1,p3,p4,p5] [--installers utoo,npm,pnpm,bun]
//                     [--bandwidth-mbps 0] [--work-root $TMPDIR/utoo-bench]
//                     [--no-floors] [--no-readme] [--data bench/data] [--quiet-wait-s 30]
//                     [--tag NAME]   (results saved as <project>@NAME, e.g. a run on tmpfs)
//                     [--baseline BINARY]  (another utoo build, measured as `utoo-base`)
//
// Before each sample the runner waits (up to --quiet-wait-s) for the machine to go idle, and
// records the CPU that other processes used during the sample (backgroundCpuS).
//
// Needs: node bench/setup.js (peers + utoo's native release binary) and
// node bench/record.js --project X.
const fs = require('node:fs')
const os = require('node:os')
const path = require('node:path')
const { execFileSync } = require('node:child_process')

const { parseArgs, list } = require('./lib/args')
const store = require('./lib/store')
const installers = require('./lib/installers')
const { startMirror } = require('./lib/mirror')
const { PhaseRunner, phaseName, layout, measureNodeModules, rmrf, TIME_BIN } = require('./lib/runner')
const report = require('./lib/report')
const { runFloors, fetchFloor } = require('./lib/floors')

function sh(cmd) {
  try {
    return execFileSync('sh', ['-c', cmd], { encoding: 'utf8', stdio: ['ignore', 'pipe', 'ignore'] }).trim()
  } catch {
    return null
  }
}

function environment(workRoot, versions) {
  const cpu = os.cpus()
  const fsType = sh(`findmnt -n -o FSTYPE,SOURCE --target ${JSON.stringify(workRoot)}`)
  return {
    cpu: `${cpu[0] && cpu[0].model} × ${cpu.length} (${sh('systemd-detect-virt') || 'unknown virt'})`,
    memory: `${Math.round(os.totalmem() / 2 ** 30)} GiB`,
    os: `${os.type()} ${os.release()}`,
    disk: `${fsType || '?'} (work dirs and caches under ${workRoot})`,
    node: process.version,
    versions,
    utooCommit: (sh('git -C ' + JSON.stringify(installers.REPO_DIR) + ' rev-parse --short HEAD') || '?') + (sh('git -C ' + JSON.stringify(installers.REPO_DIR) + ' status --porcelain -- src crates Cargo.toml Cargo.lock') ? ' + uncommitted changes' : ''),
    timer: TIME_BIN ? `${TIME_BIN} (GNU time)` : 'none (no rusage)',
  }
}

function rotate(a, n) {
  const k = ((n % a.length) + a.length) % a.length
  return a.slice(k).concat(a.slice(0, k))
}

function fmt(rec) {
  if (!rec.ok) return `FAILED ${rec.error ? rec.error.split('\n').slice(-2).join(' / ') : ''}`
  const c = rec.canaries.filter((x) => !x.ok)
  return `${(rec.wallMs / 1000).toFixed(2)} s  bg ${rec.backgroundCpuS ?? '?'} cpu-s  rss ${Math.round((rec.maxRssKB || 0) / 1024)} MB  req ${rec.requests} (tgz ${rec.tarballRequests})  ${(rec.bytes / 1e6).toFixed(1)} MB${c.length ? '  ** DISCARDED: ' + c.map((x) => `${x.name}: ${x.detail}`).join('; ') : ''}`
}

async function benchProject(project, opts, versions) {
  const t0 = Date.now()
  const log = (m) => console.error(`[${project}] ${m}`)
  const packageJson = path.join(__dirname, 'projects', project, 'package.json')
  const closure = store.readProject(opts.dataDir, project)
  if (!closure) throw new Error(`project ${project} is not recorded: run node bench/record.js --project ${project}`)
  const mirror = await startMirror({ dataDir: opts.dataDir, preload: 'all', bandwidthMbps: opts.bandwidthMbps })
  log(`mirror on ${mirror.url} (preloaded in ${((Date.now() - t0) / 1000).toFixed(1)} s)`)
  const runner = new PhaseRunner({ root: opts.workRoot, project, packageJson, dataDir: opts.dataDir, mirror, utooReporter: opts.utooReporter, tools: opts.tools, quiet: opts.quietWaitS > 0 ? { maxWaitMs: opts.quietWaitS * 1000 } : false })
  const goldens = {}
  // Golden installs at latency 0: validate each installer, write its lockfile, warm its cache.
  const order = ['npm', ...opts.installers.filter((i) => i !== 'npm')].filter((i) => opts.installers.includes(i) || i === 'npm')
  for (const inst of order) {
    const g = await runner.prepareGolden(inst)
    goldens[inst] = g
    log(`golden ${inst}: ${g.ok ? `ok in ${(g.wallMs / 1000).toFixed(1)} s (${g.lockfiles.join(', ')})` : `FAILED: ${g.error}`}`)
    if (!g.ok && inst === 'utoo' && goldens.npm && goldens.npm.ok) {
      // utoo reads npm's package-lock.json: borrow npm's so p3/p4/p5 still measure utoo.
      const L = layout(opts.workRoot, project, 'utoo')
      const N = layout(opts.workRoot, project, 'npm')
      rmrf(L.golden)
      fs.mkdirSync(L.golden, { recursive: true })
      fs.copyFileSync(path.join(N.golden, 'package-lock.json'), path.join(L.golden, 'package-lock.json'))
      runner.goldenOk.set('utoo', true)
      const warm = await runner.sample('utoo', 'p3_cold_install', { latencyMs: 0, round: 0 })
      // p3 used the cold cache; warm the warm one with the same install.
      const { timed } = require('./lib/runner')
      rmrf(L.warmCache)
      fs.mkdirSync(L.warmCache, { recursive: true })
      const again = await timed({ ...runner.command('utoo', 'frozen', L.warmCache), cwd: L.work, logPrefix: path.join(L.logs, 'golden-borrowed') })
      g.borrowed = 'npm package-lock.json'
      g.borrowedInstall = warm.ok && again.code === 0 ? 'ok' : `failed: ${warm.error || again.stderr}`
      if (again.code !== 0) runner.goldenOk.set('utoo', false)
      log(`golden utoo: borrowed npm's package-lock.json; utoo ci with it: ${g.borrowedInstall}`)
    }
  }

  // Floors at latency 0.
  let floors = null
  if (opts.floors && goldens.npm && goldens.npm.ok) {
    const N = layout(opts.workRoot, project, 'npm')
    const nm = measureNodeModules(N.work)
    const f = runFloors({ dataDir: opts.dataDir, packages: nm.packages, mirror, nodeModulesFrom: N.work, scratch: path.join(opts.workRoot, project, 'floors') })
    floors = f.out
    mirror.configure({ latencyMs: 0 })
    floors.fetch = await fetchFloor(f.urlFile, 50)
    floors.fetchByLatency = {}
    for (const l of opts.latencies) {
      mirror.configure({ latencyMs: l })
      floors.fetchByLatency[l] = await fetchFloor(f.urlFile, 50)
    }
    mirror.configure({ latencyMs: 0 })
    rmrf(path.join(opts.workRoot, project, 'floors'))
    log(`floors: fetch ${floors.fetch.ms} ms (${Math.round(floors.fetch.mbPerS)} MB/s, ${floors.fetch.count} tarballs), tar ${floors.tar.ms} ms, cp -al ${floors.cp ? floors.cp.ms : '?'} ms`)
  }

  const samples = []
  for (const latencyMs of opts.latencies) {
    mirror.configure({ latencyMs })
    for (let round = 1; round <= opts.runs; round++) {
      for (const [pi, phase] of opts.phases.entries()) {
        for (const inst of rotate(opts.installers, round + pi)) {
          const rec = await runner.sample(inst, phase, { latencyMs, round })
          samples.push(rec)
          log(`${latencyMs} ms r${round} ${phase.padEnd(15)} ${inst.padEnd(4)} ${fmt(rec)}`)
          if (rec.ok && !rec.valid) console.error(`\n!!! canary failed, sample discarded: ${project} ${inst} ${phase} ${latencyMs} ms round ${round}\n`)
        }
      }
    }
  }
  mirror.configure({ latencyMs: 0 })
  await mirror.close()
  const label = opts.tag ? `${project}@${opts.tag}` : project
  for (const s of samples) s.project = label
  const summary = report.summarize(samples)
  return {
    project: label,
    argv: opts.argv,
    startedAt: new Date(t0).toISOString(),
    seconds: Math.round((Date.now() - t0) / 1000),
    options: { runs: opts.runs, latencies: opts.latencies, phases: opts.phases, installers: opts.installers, bandwidthMbps: opts.bandwidthMbps },
    environment: { ...environment(opts.workRoot, versions), utooBinary: opts.utooBinaryInfo || null },
    closure,
    goldens,
    floors,
    summary,
    samples,
  }
}

/** The usage comment at the top of this file. */
function usage() {
  const lines = fs.readFileSync(__filename, 'utf8').split('\n')
  const start = lines.findIndex((l) => l.startsWith('// Benchmarks'))
  const end = lines.findIndex((l, i) => i > start && !l.startsWith('//'))
  return lines.slice(start, end).map((l) => l.replace(/^\/\/ ?/, '')).join('\n')
}

async function main() {
  const args = parseArgs(process.argv.slice(2), { floors: true, readme: true })
  if (args.help || args.h || args._.includes('-h')) {
    // Without this, --help would fall through to a full default (medium) run.
    console.log(usage())
    return
  }
  const opts = {
    argv: process.argv.slice(2),
    projects: list(args.project) || ['medium'],
    runs: Number(args.runs) || 3,
    latencies: (list(args.latency) || ['0', '20']).map(Number),
    phases: (list(args.phases) || ['p0', 'p1', 'p3', 'p4', 'p5']).map(phaseName),
    installers: list(args.installers) || ['utoo', 'npm', 'pnpm', 'bun'],
    bandwidthMbps: Number(args.bandwidthMbps) || 0,
    workRoot: path.resolve(args.workRoot || path.join(os.tmpdir(), 'utoo-bench')),
    dataDir: args.data ? path.resolve(args.data) : store.DEFAULT_DATA_DIR,
    floors: args.floors,
    readme: args.readme,
    tag: typeof args.tag === 'string' ? args.tag : null,
    utooReporter: args.utooReporter || 'ndjson',
    quietWaitS: args.quietWaitS === undefined ? 30 : Number(args.quietWaitS),
  }
  const tools = installers.toolPaths()
  if (typeof args.baseline === 'string') {
    tools['utoo-base'] = path.resolve(args.baseline)
    if (!opts.installers.includes('utoo-base')) opts.installers.push('utoo-base')
  }
  for (const i of opts.installers) {
    if (!tools[i]) throw new Error(`unknown installer ${i} (have ${Object.keys(tools).join(', ')})`)
    if (!fs.existsSync(tools[i])) throw new Error(`${i} is missing (${tools[i]}): run node bench/setup.js`)
  }
  // Snapshot the utoo binary: a rebuild into bench/.build during the run must not change what
  // is measured halfway through. Every utoo command, and its version below, runs the copy.
  opts.tools = { ...tools }
  if (opts.installers.includes('utoo')) {
    const builtAt = fs.statSync(installers.UTOO_BIN).mtime.toISOString()
    const bytes = fs.readFileSync(installers.UTOO_BIN)
    const sha = require('node:crypto').createHash('sha256').update(bytes).digest('hex')
    fs.mkdirSync(opts.workRoot, { recursive: true })
    opts.tools.utoo = path.join(opts.workRoot, `utoo-${sha.slice(0, 12)}`)
    // Write beside it and rename: a snapshot of the same build may be running (ETXTBSY).
    const tmp = `${opts.tools.utoo}.${process.pid}.tmp`
    fs.writeFileSync(tmp, bytes)
    fs.chmodSync(tmp, 0o755)
    fs.renameSync(tmp, opts.tools.utoo)
    opts.utooBinaryInfo = { sha256: sha.slice(0, 16), builtAt, bytes: bytes.length }
    console.error(`utoo binary ${opts.utooBinaryInfo.sha256} built ${opts.utooBinaryInfo.builtAt}, snapshot ${opts.tools.utoo}`)
  }
  const versions = installers.versions(opts.tools)
  console.error(`versions: ${JSON.stringify(versions)}`)
  for (const project of opts.projects) {
    const run = await benchProject(project, { ...opts, argv: ['--project', project, ...strip(opts.argv, '--project')] }, versions)
    fs.mkdirSync(path.join(report.RESULTS_DIR, 'raw'), { recursive: true })
    fs.writeFileSync(path.join(report.RESULTS_DIR, 'raw', `${run.project}-${run.startedAt.replace(/[:.]/g, '-')}.json`), JSON.stringify(run, null, 1))
    report.writeProjectResults(run.project, run)
    console.log(`\n## ${run.project}\n\n${report.ratioTable(run.summary)}\n`)
  }
  if (opts.readme && report.updateReadme()) console.error('bench/README.md updated')
}

function strip(argv, flag) {
  const out = []
  for (let i = 0; i < argv.length; i++) {
    if (argv[i] === flag) {
      i++
      continue
    }
    if (argv[i].startsWith(flag + '=')) continue
    out.push(argv[i])
  }
  return out
}

main().catch((e) => {
  console.error(e)
  process.exit(1)
})
