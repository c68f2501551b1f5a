#!/usr/bin/env node
'use strict'
// Measures utoo against npm on the realistic projects in examples/: for each, npm writes a
// lockfile and utoo installs the same package.json at the same moment; reports how many
// `packages` entries agree (same path, same version), whether `npm ls --all` is clean on
// utoo's tree and whether `npm ci` accepts utoo's lockfile.
//   node scripts/compare-with-npm.js [example ...]

const { spawnSync } = require('node:child_process')
const fs = require('node:fs')
const os = require('node:os')
const path = require('node:path')

const root = path.join(__dirname, '..')
const names = process.argv.slice(2).length
  ? process.argv.slice(2)
  : fs.readdirSync(path.join(root, 'examples')).filter((n) => fs.existsSync(path.join(root, 'examples', n, 'package.json')))

const run = (cmd, args, cwd) => spawnSync(cmd, args, { cwd, encoding: 'utf8', maxBuffer: 1 << 28 })
const npmFlags = ['--ignore-scripts', '--no-audit', '--no-fund', '--loglevel=error']
const rows = []
for (const name of names) {
  const work = fs.mkdtempSync(path.join(os.tmpdir(), `utoo-vs-npm-${name}-`))
  const npmDir = path.join(work, 'npm')
  const utooDir = path.join(work, 'utoo')
  for (const dir of [npmDir, utooDir]) {
    fs.mkdirSync(dir)
    fs.copyFileSync(path.join(root, 'examples', name, 'package.json'), path.join(dir, 'package.json'))
  }
  const npm = run('npm', ['install', '--package-lock-only', ...npmFlags], npmDir)
  const t0 = Date.now()
  const utoo = run(process.execPath, [path.join(root, 'bin', 'utoo.js'), 'install', '--ignore-scripts', '--reporter', 'silent', '--cache-dir', path.join(work, 'cache')], utooDir)
  const utooMs = Date.now() - t0
  if (npm.status !== 0 || utoo.status !== 0) {
    rows.push({ name, error: (npm.stderr || '') + (utoo.stderr || '') })
    continue
  }
  const a = JSON.parse(fs.readFileSync(path.join(npmDir, 'package-lock.json'), 'utf8')).packages
  const b = JSON.parse(fs.readFileSync(path.join(utooDir, 'package-lock.json'), 'utf8')).packages
  const keys = new Set([...Object.keys(a), ...Object.keys(b)])
  let same = 0
  const diffs = []
  for (const k of keys) {
    if (a[k] && b[k] && a[k].version === b[k].version) same++
    else diffs.push(`${k}: npm ${a[k]?.version ?? '-'} utoo ${b[k]?.version ?? '-'}`)
  }
  const identical = fs.readFileSync(path.join(npmDir, 'package-lock.json'), 'utf8') === fs.readFileSync(path.join(utooDir, 'package-lock.json'), 'utf8')
  const ls = run('npm', ['ls', '--all'], utooDir)
  const ciDir = path.join(work, 'ci')
  fs.mkdirSync(ciDir)
  for (const f of ['package.json', 'package-lock.json']) fs.copyFileSync(path.join(utooDir, f), path.join(ciDir, f))
  const ci = run('npm', ['ci', ...npmFlags, '--cache', path.join(work, 'npm-cache')], ciDir)
  // Control: npm ci on npm's own lockfile. Where the registry lacks optional platform
  // packages, npm rejects its own lockfile too; that is the registry, not utoo.
  const control = ci.status === 0 ? ci : run('npm', ['ci', ...npmFlags, '--cache', path.join(work, 'npm-cache')], npmDir)
  rows.push({
    name,
    npmEntries: Object.keys(a).length,
    utooEntries: Object.keys(b).length,
    agreement: ((100 * same) / keys.size).toFixed(2) + '%',
    identicalLockfile: identical,
    npmLs: ls.status === 0 ? 'clean' : `exit ${ls.status}: ${(ls.stderr || ls.stdout).split('\n').filter((l) => /invalid|missing|extraneous|ERR/.test(l)).slice(0, 5).join(' | ')}`,
    npmCi: ci.status === 0 ? 'accepted' : `exit ${ci.status}: ${ci.stderr.split('\n').filter((l) => /Missing|Invalid/.test(l)).slice(0, 3).join(' | ')}`,
    npmCiOnNpmsOwnLock: control.status === 0 ? 'accepted' : `rejected too (exit ${control.status})`,
    utooMs,
    diffs: diffs.slice(0, 8),
  })
  fs.rmSync(work, { recursive: true, force: true })
}
console.log(JSON.stringify(rows, null, 2))
