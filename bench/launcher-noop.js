#!/usr/bin/env node
'use strict'
// The no-op time (`utoo install` in an installed project) through node_modules/.bin/utoo, as
// users start it, next to the native executable's own no-op:
//   native    the executable itself (the floor)
//   swapped   .bin/utoo after the postinstall ran: bin/utoo *is* the executable
//   sh        .bin/utoo when no install script ran: the sh launcher execs the executable
//   node      the Node fallback (bin/utoo.js + the addon), for scale; --no-node skips it
// Runs are interleaved (the order rotates every round) so drift spreads over all of them.
// The project: --packages N synthetic packages from a loopback fixture registry.
//
//   node bench/launcher-noop.js [--runs 30] [--packages 200] [--utoo PATH] [--no-node]
//
// PATH defaults to the release build ($CARGO_TARGET_DIR or target)/release/utoo, else the
// debug one. Writes bench/results/launcher-noop.{json,samples.csv} and prints the table.
const { spawnSync, execFileSync } = require('node:child_process')
const fs = require('node:fs')
const os = require('node:os')
const path = require('node:path')

const { parseArgs } = require('./lib/args')
const { startRegistry, pkg } = require('../__test__/helpers/registry')
const { platformPackage } = require('../install.js')

const ROOT = path.join(__dirname, '..')
const RESULTS = path.join(__dirname, 'results')
const VERSION = require('../package.json').version

function defaultUtoo() {
  const target = path.resolve(ROOT, process.env.CARGO_TARGET_DIR || 'target')
  return ['release', 'debug'].map((p) => path.join(target, p, 'utoo')).find((f) => fs.existsSync(f))
}

/** node_modules/utoo + its platform package + .bin/utoo, as npm installs them (no scripts). */
function toolLayout(dir, exe, addon) {
  const pkg = path.join(dir, 'node_modules', 'utoo')
  fs.mkdirSync(path.join(pkg, 'bin'), { recursive: true })
  for (const f of ['package.json', 'install.js', 'entry.js', 'index.js', 'bin/utoo', 'bin/utoo.js']) {
    fs.copyFileSync(path.join(ROOT, f), path.join(pkg, f))
  }
  if (addon) fs.copyFileSync(addon, path.join(pkg, path.basename(addon)))
  const platform = path.join(dir, 'node_modules', platformPackage())
  fs.mkdirSync(platform, { recursive: true })
  fs.writeFileSync(path.join(platform, 'package.json'), JSON.stringify({ name: platformPackage(), version: VERSION }))
  fs.copyFileSync(exe, path.join(platform, 'utoo'))
  fs.chmodSync(path.join(platform, 'utoo'), 0o755)
  fs.mkdirSync(path.join(dir, 'node_modules', '.bin'))
  fs.symlinkSync('../utoo/bin/utoo', path.join(dir, 'node_modules', '.bin', 'utoo'))
  return { pkg, bin: path.join(dir, 'node_modules', '.bin', 'utoo') }
}

function median(xs) {
  const s = [...xs].sort((a, b) => a - b)
  const m = s.length >> 1
  return s.length % 2 ? s[m] : (s[m - 1] + s[m]) / 2
}
const quantile = (xs, q) => [...xs].sort((a, b) => a - b)[Math.min(xs.length - 1, Math.floor(q * xs.length))]

async function main() {
  const args = parseArgs(process.argv.slice(2))
  const runs = Number(args.runs || 30)
  const count = Number(args.packages || 200)
  const exe = path.resolve(args.utoo || defaultUtoo() || '')
  if (!fs.existsSync(exe)) throw new Error('no native utoo: cargo build --release -p utoo-cli (or pass --utoo PATH)')
  const addon = path.join(ROOT, `utoo.${platformPackage().replace(/^utoo-/, '')}.node`)
  const withNode = args.node !== false && fs.existsSync(addon)

  const work = fs.mkdtempSync(path.join(os.tmpdir(), 'utoo-launcher-bench-'))
  const names = Array.from({ length: count }, (_, i) => `pkg-${String(i).padStart(4, '0')}`)
  const registry = await startRegistry(names.map((n) => pkg(n, '1.0.0')))
  try {
    const project = path.join(work, 'project')
    fs.mkdirSync(project)
    fs.writeFileSync(path.join(project, 'package.json'), JSON.stringify({ name: 'bench-noop', version: '1.0.0', dependencies: Object.fromEntries(names.map((n) => [n, '^1.0.0'])) }))
    const cache = path.join(work, 'cache')
    const common = ['install', '--registry', registry.url, '--cache-dir', cache, '--ignore-scripts']
    // The fixture registry lives in this process: the first install must not block it.
    await new Promise((resolve, reject) => {
      const child = require('node:child_process').spawn(exe, [...common, '--reporter', 'silent'], { cwd: project, stdio: 'inherit' })
      child.on('close', (code) => (code === 0 ? resolve() : reject(new Error(`first install failed: exit ${code}`))))
    })

    const swapped = toolLayout(path.join(work, 'tool-swapped'), exe, null)
    execFileSync(process.execPath, ['install.js'], { cwd: swapped.pkg })
    if (fs.readFileSync(path.join(swapped.pkg, 'bin', 'utoo')).subarray(0, 2).toString() === '#!') throw new Error('install.js did not swap in the native executable')
    const plain = toolLayout(path.join(work, 'tool-sh'), exe, null)
    const variants = [
      // The copy the sh launcher execs: same file system and page cache as the others.
      { name: 'native', file: path.join(work, 'tool-sh', 'node_modules', platformPackage(), 'utoo'), args: [] },
      { name: 'swapped', file: swapped.bin, args: [] },
      { name: 'sh', file: plain.bin, args: [] },
    ]
    if (withNode) {
      const node = toolLayout(path.join(work, 'tool-node'), exe, addon)
      fs.rmSync(path.join(work, 'tool-node', 'node_modules', platformPackage()), { recursive: true })
      variants.push({ name: 'node', file: node.bin, args: [] })
    }

    const samples = []
    const sample = (v, round) => {
      const t0 = process.hrtime.bigint()
      const r = spawnSync(v.file, [...common, '--reporter', 'ndjson'], { cwd: project, encoding: 'utf8' })
      const wallMs = Number(process.hrtime.bigint() - t0) / 1e6
      const summary = r.stdout
        .trim()
        .split('\n')
        .map((l) => {
          try {
            return JSON.parse(l)
          } catch {
            return null
          }
        })
        .find((j) => j && j.type === 'summary')
      const ok = r.status === 0 && Boolean(summary && summary.summary.upToDate)
      if (!ok) throw new Error(`${v.name}: not a no-op (exit ${r.status}): ${r.stderr.slice(-400)}`)
      samples.push({ round, variant: v.name, wallMs: Math.round(wallMs * 100) / 100 })
    }
    for (const v of variants) sample(v, 0) // warm-up, not kept
    samples.length = 0
    for (let round = 1; round <= runs; round++) {
      for (let i = 0; i < variants.length; i++) sample(variants[(i + round) % variants.length], round)
    }

    const by = (name) => samples.filter((s) => s.variant === name).map((s) => s.wallMs)
    const floor = median(by('native'))
    const rows = variants.map((v) => {
      const xs = by(v.name)
      return { variant: v.name, runs: xs.length, medianMs: median(xs), p10Ms: quantile(xs, 0.1), p90Ms: quantile(xs, 0.9), ratioToNative: Math.round((median(xs) / floor) * 100) / 100 }
    })
    const result = {
      kind: 'launcher-noop',
      date: new Date().toISOString(),
      environment: { cpu: `${os.cpus()[0].model} × ${os.cpus().length}`, os: `${os.type()} ${os.release()}`, node: process.version, sh: fs.realpathSync('/bin/sh'), load: os.loadavg().map((l) => l.toFixed(2)).join(' ') },
      utoo: exe,
      build: exe.includes(`${path.sep}release${path.sep}`) ? 'release' : 'debug',
      packages: count,
      runs,
      command: `node bench/launcher-noop.js ${process.argv.slice(2).join(' ')}`.trim(),
      rows,
      samples,
    }
    fs.mkdirSync(RESULTS, { recursive: true })
    fs.writeFileSync(path.join(RESULTS, 'launcher-noop.json'), JSON.stringify(result, null, 1) + '\n')
    fs.writeFileSync(path.join(RESULTS, 'launcher-noop.samples.csv'), ['round,variant,wallMs', ...samples.map((s) => `${s.round},${s.variant},${s.wallMs}`)].join('\n') + '\n')
    console.log(`no-op of ${count} packages, ${runs} interleaved runs each, ${result.build} build, load ${result.environment.load}`)
    console.log('| via | median | p10 | p90 | ÷ native |\n|---|---|---|---|---|')
    for (const r of rows) console.log(`| ${r.variant} | ${r.medianMs.toFixed(1)} ms | ${r.p10Ms.toFixed(1)} ms | ${r.p90Ms.toFixed(1)} ms | ${r.ratioToNative.toFixed(2)}× |`)
  } finally {
    await registry.close()
    fs.rmSync(work, { recursive: true, force: true })
  }
}

main().catch((e) => {
  console.error(e.message)
  process.exit(1)
})
