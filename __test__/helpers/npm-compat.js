'use strict'
// utoo against npm itself, npm 11 and npm 12 (both pinned devDependencies, never the system
// npm), on the same fixture registry. Tests that call this must require ./isolate-config first:
// neither npm nor utoo may read the developer's ~/.npmrc or an outer `npm test`'s npm_config_*.

const assert = require('node:assert/strict')
const { spawn } = require('node:child_process')
const fs = require('node:fs')
const os = require('node:os')
const path = require('node:path')

const { install, resolve } = require('../..')

const NPMS = [
  { label: 'npm 11', cli: path.join(__dirname, '..', '..', 'node_modules', 'npm11', 'bin', 'npm-cli.js') },
  { label: 'npm 12', cli: path.join(__dirname, '..', '..', 'node_modules', 'npm12', 'bin', 'npm-cli.js') },
]

/** Fails early, with what to do, when the pinned npms are not installed. */
function assertNpmsInstalled() {
  for (const npm of NPMS) {
    assert.ok(fs.existsSync(npm.cli), `${npm.label} is a devDependency (${npm.cli}): run npm install`)
  }
}

function run(cmd, args, cwd, env = {}) {
  return new Promise((resolvePromise) => {
    const child = spawn(cmd, args, { cwd, env: { ...process.env, npm_config_update_notifier: 'false', ...env } })
    let stdout = ''
    let out = ''
    child.stdout.on('data', (d) => { stdout += d; out += d })
    child.stderr.on('data', (d) => (out += d))
    child.on('close', (status) => resolvePromise({ status, stdout, out }))
  })
}

/**
 * A project folder from a file tree, and a private cache beside it. `files` maps relative
 * paths to contents: objects are written as JSON (the root `package.json` gets a default name
 * and version), strings and Buffers as they are. `setup(dir)` runs after the files are written
 * (a git repository, a packed tarball, ...).
 */
function makeTree(files, setup) {
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'utoo-compat-'))
  for (const [rel, content] of Object.entries(files)) {
    const file = path.join(dir, rel)
    fs.mkdirSync(path.dirname(file), { recursive: true })
    let body = content
    if (rel === 'package.json' && typeof content === 'object' && !Buffer.isBuffer(content)) {
      body = { name: 'fixture-app', version: '1.0.0', ...content }
    }
    if (typeof body === 'object' && !Buffer.isBuffer(body)) body = JSON.stringify(body, null, 2) + '\n'
    fs.writeFileSync(file, body)
  }
  if (setup) setup(dir)
  return { dir, cache: path.join(dir, '.utoo-cache'), cleanup: () => fs.rmSync(dir, { recursive: true, force: true }) }
}

// Only flags both npm 11 and npm 12 know (npm 12 rejects unknown ones on its command line).
const npmFlags = (registry, project, scripts) => [
  '--registry', registry.url, '--cache', path.join(project.dir, '.npm-cache'),
  '--no-audit', '--no-fund', ...(scripts ? [] : ['--ignore-scripts']), '--loglevel=error',
]

/**
 * Runs one of NPMS with `args` in `project` (or `cwd` under it) against `registry`; scripts
 * stay off unless `scripts: true`.
 */
function npmRun(npm, args, project, registry, options = {}) {
  const cwd = options.cwd ? path.join(project.dir, options.cwd) : project.dir
  return run(process.execPath, [npm.cli, ...args, ...npmFlags(registry, project, options.scripts)], cwd, options.env)
}

const lockPath = (project) => path.join(project.dir, 'package-lock.json')

/** The lockfile's `packages`, each entry without `resolved`. */
function entries(project) {
  const packages = JSON.parse(fs.readFileSync(lockPath(project), 'utf8')).packages
  const out = {}
  for (const [k, v] of Object.entries(packages)) {
    const { resolved, ...rest } = v
    out[k] = rest
  }
  return out
}

// Byte for byte, `resolved` (when written) aside.
const lockText = (project) => fs.readFileSync(lockPath(project), 'utf8').replace(/^\s*"resolved": .*\n/gm, '')

/**
 * agreeWithNpm(t, { registry, files, setup, utoo, npmArgs, cwd, env }) checks one project shape:
 * - utoo's `resolve()` and `install()` write the same lockfile;
 * - npm 11 and npm 12 (`npm install --package-lock-only ...npmArgs`) write that lockfile too
 *   (same entries, and the same text with `resolved` lines aside);
 * - `npm ls --all` is clean on the tree utoo installed (with `lsAsNpm`: prints what it prints
 *   on the tree `npm install` builds, for shapes where npm's own tree is not clean, such as a
 *   peer that --legacy-peer-deps leaves unmet);
 * - `npm ci` accepts utoo's lockfile and leaves it as it is.
 * `files`/`setup` describe the project (see makeTree); `utoo` are extra options for utoo's calls
 * (beside cwd, registry and cacheDir); `cwd` runs utoo and npm from a subfolder (a workspace
 * member); `env` is added to npm's environment. Every check is its own subtest of `t`.
 */
async function agreeWithNpm(t, { registry, files, setup, utoo = {}, npmArgs = [], cwd, env, lsAsNpm = false }) {
  const fresh = () => {
    const project = makeTree(files, setup)
    t.after(() => project.cleanup())
    return project
  }
  const utooOptions = (project) => ({
    cwd: cwd ? path.join(project.dir, cwd) : project.dir,
    registry: registry.url,
    cacheDir: project.cache,
    ...utoo,
  })
  const ours = fresh()
  await resolve(utooOptions(ours))
  const installed = fresh()
  await install(utooOptions(installed))
  assert.equal(lockText(installed), lockText(ours), 'install and resolve write the same lockfile')
  for (const npm of NPMS) {
    await t.test(`${npm.label}: same lockfile`, async () => {
      const theirs = fresh()
      const r = await npmRun(npm, ['install', '--package-lock-only', ...npmArgs], theirs, registry, { cwd, env })
      assert.equal(r.status, 0, r.out)
      assert.deepEqual(entries(ours), entries(theirs))
      assert.equal(lockText(ours), lockText(theirs))
    })
    await t.test(`${npm.label}: npm ls --all is clean on utoo's tree`, async () => {
      const ls = await npmRun(npm, ['ls', '--all'], installed, registry, { env })
      if (lsAsNpm) {
        const built = fresh()
        const r = await npmRun(npm, ['install', ...npmArgs], built, registry, { cwd, env })
        assert.equal(r.status, 0, r.out)
        const theirs = await npmRun(npm, ['ls', '--all'], built, registry, { env })
        const tree = (run, project) => run.stdout.split(project.dir).join('<project>')
        assert.equal(ls.status, theirs.status, ls.out)
        assert.equal(tree(ls, installed), tree(theirs, built))
        return
      }
      assert.equal(ls.status, 0, ls.out)
      // A missing optional package is listed as UNMET OPTIONAL DEPENDENCY: that is fine.
      assert.doesNotMatch(ls.stdout, /invalid|missing|extraneous|UNMET (?!OPTIONAL)/i, ls.out)
    })
    await t.test(`${npm.label}: npm ci accepts utoo's lockfile`, async () => {
      const project = fresh()
      fs.copyFileSync(lockPath(ours), lockPath(project))
      const before = fs.readFileSync(lockPath(project), 'utf8')
      const ci = await npmRun(npm, ['ci'], project, registry, { env })
      assert.equal(ci.status, 0, ci.out)
      assert.equal(fs.readFileSync(lockPath(project), 'utf8'), before, 'npm ci left the lockfile alone')
    })
  }
  return { ours, installed }
}

module.exports = { NPMS, assertNpmsInstalled, agreeWithNpm, makeTree, npmRun, entries, lockText }
