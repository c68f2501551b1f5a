#!/usr/bin/env node
'use strict'
// Opt-in, against the configured registry (network): for each project folder given, installs
// its package.json with utoo and resolves it with npm, then reports how far the two lockfiles
// agree (same install paths at the same versions and flags), whether `npm ls --all` is clean
// on utoo's tree, and whether `npm ci` (npm 11 and npm 12, the pinned dev tools) accepts
// utoo's lockfile. npm's own lockfile goes through the same `npm ci` as a control: where the
// registry lacks an optional platform package, npm rejects its own lockfile too.
//   node scripts/agree.js examples/*        (uses the native release binary, else bin/utoo.js)
const { spawnSync } = require('node:child_process')
const fs = require('node:fs')
const os = require('node:os')
const path = require('node:path')

const root = path.join(__dirname, '..')
const native = path.join(root, 'bench', '.build', 'utoo')
const utoo = fs.existsSync(native) ? [native] : [process.execPath, path.join(root, 'bin', 'utoo.js')]
const npms = {
  npm11: path.join(root, 'node_modules', 'npm11', 'bin', 'npm-cli.js'),
  npm12: path.join(root, 'node_modules', 'npm12', 'bin', 'npm-cli.js'),
}
const quiet = ['--ignore-scripts', '--no-audit', '--no-fund', '--loglevel=error']

function run(cmd, args, cwd) {
  const r = spawnSync(cmd, args, { cwd, encoding: 'utf8', env: { ...process.env, npm_config_update_notifier: 'false' }, maxBuffer: 1 << 28 })
  return { ok: r.status === 0, out: `${r.stdout}${r.stderr}` }
}
const npm = (which, args, cwd) => run(process.execPath, [npms[which], ...args, ...quiet], cwd)

function packages(dir) {
  const lock = JSON.parse(fs.readFileSync(path.join(dir, 'package-lock.json'), 'utf8'))
  const out = new Map()
  for (const [key, e] of Object.entries(lock.packages)) {
    if (key) out.set(key, `${e.version}${e.dev ? ' dev' : ''}${e.optional ? ' optional' : ''}${e.devOptional ? ' devOptional' : ''}${e.peer ? ' peer' : ''}`)
  }
  return out
}

function fresh(project, tag) {
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), `agree-${tag}-`))
  // The project as committed (a monorepo's members and file: folders too; a project's
  // .npmrc is part of what it asks for), without what an install leaves behind.
  const left = new Set(['node_modules', 'package-lock.json'])
  fs.cpSync(project, dir, { recursive: true, filter: (src) => !left.has(path.basename(src)) })
  return dir
}

function compare(project) {
  const name = path.basename(project)
  const ours = fresh(project, 'utoo')
  const theirs = fresh(project, 'npm')
  const installed = run(utoo[0], [...utoo.slice(1), 'install', '--ignore-scripts'], ours)
  if (!installed.ok) return { name, error: installed.out.trim().split('\n').slice(-3).join(' | ') }
  const resolved = npm('npm11', ['install', '--package-lock-only'], theirs)
  if (!resolved.ok) return { name, error: `npm: ${resolved.out.trim().split('\n').pop()}` }
  const a = packages(ours)
  const b = packages(theirs)
  const keys = new Set([...a.keys(), ...b.keys()])
  const differ = [...keys].filter((k) => a.get(k) !== b.get(k))
  const ls = npm('npm11', ['ls', '--all'], ours)
  const ci = {}
  for (const which of ['npm11', 'npm12']) {
    const copy = fresh(project, which)
    fs.copyFileSync(path.join(ours, 'package-lock.json'), path.join(copy, 'package-lock.json'))
    ci[which] = npm(which, ['ci'], copy).ok
    fs.rmSync(copy, { recursive: true, force: true })
  }
  const control = npm('npm11', ['ci'], theirs).ok
  for (const d of [ours, theirs]) fs.rmSync(d, { recursive: true, force: true })
  return {
    name,
    entries: keys.size,
    agree: `${(((keys.size - differ.length) / keys.size) * 100).toFixed(1)}%`,
    differ: differ.slice(0, 5).map((k) => `${k}: utoo ${a.get(k) ?? '-'} / npm ${b.get(k) ?? '-'}`),
    npmLsClean: ls.ok,
    npmCiUtooLock: ci,
    npmCiOwnLock: control,
  }
}

for (const project of process.argv.slice(2)) console.log(JSON.stringify(compare(path.resolve(project))))
