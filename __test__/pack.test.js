'use strict'
// The packages as users get them: the platform package staged with the built addon and
// native CLI (the debug builds `npm test` already made), `napi pre-publish` writing it into
// utoo's optionalDependencies (nothing published), both packed with `npm pack`, installed from
// the tarballs into a scratch project by npm (no registry), then used: the API, and the CLI
// through node_modules/.bin before and after utoo's postinstall ran.

const assert = require('node:assert/strict')
const { execFile, spawnSync } = require('node:child_process')
const fs = require('node:fs')
const os = require('node:os')
const path = require('node:path')
const { promisify } = require('node:util')
const { test, before, after } = require('node:test')

const { platformPackage, platformSuffix } = require('../install.js')
const { stagePlatform } = require('../scripts/stage-platform.js')
const { nativeUtoo } = require('./helpers/native')
const { startRegistry, pkg } = require('./helpers/registry')
const { makeProject, readJson } = require('./helpers/project')

const ROOT = path.join(__dirname, '..')
const VERSION = require('../package.json').version
const PLATFORM = platformPackage()
const SUFFIX = PLATFORM.replace(/^utoo-/, '')
const ADDON = path.join(ROOT, `utoo.${SUFFIX}.node`)
const supported = require('../package.json').napi.targets.length > 0 && fs.existsSync(path.join(ROOT, 'npm', SUFFIX))

// npm must not read the developer's config or reach any registry: a closed loopback port.
const NO_REGISTRY = 'http://127.0.0.1:9/'
function npmEnv(extra = {}) {
  const env = { ...process.env, ...extra }
  for (const key of Object.keys(env)) if (/^npm_config_/i.test(key)) delete env[key]
  delete env.NAPI_RS_NATIVE_LIBRARY_PATH
  env.npm_config_userconfig = path.join(os.tmpdir(), 'utoo-test-no-user-npmrc')
  env.npm_config_globalconfig = path.join(os.tmpdir(), 'utoo-test-no-global-npmrc')
  env.npm_config_registry = NO_REGISTRY
  env.npm_config_update_notifier = 'false'
  return env
}

const run = promisify(execFile)
const sh = (file, args, cwd, env = npmEnv()) => run(file, args, { cwd, env, encoding: 'utf8', maxBuffer: 64 << 20 })
// npm 12, the pinned devDependency (never the system npm): it blocks dependencies' install
// scripts unless package.json's allowScripts allows them.
const NPM12 = path.join(ROOT, 'node_modules', 'npm12', 'bin', 'npm-cli.js')
const npm = (args, cwd) => sh(process.execPath, [NPM12, ...args, '--no-audit', '--no-fund'], cwd)

let registry
let work
before(async () => {
  registry = await startRegistry([pkg('left-pad', '1.3.0')])
  work = fs.mkdtempSync(path.join(os.tmpdir(), 'utoo-pack-'))
})
after(async () => {
  await registry.close()
  fs.rmSync(work, { recursive: true, force: true })
})

/** A copy of what utoo publishes, with the platform package staged as a release stages it. */
function stageSources() {
  const src = path.join(work, 'src')
  const files = [...require('../package.json').files, 'package.json', 'README.md']
  for (const f of files) fs.cpSync(path.join(ROOT, f), path.join(src, f), { recursive: true })
  // Only this machine's artifacts exist here: the staged release lists only its target (a real
  // release has every target's, from CI).
  const manifest = readJson(path.join(src, 'package.json'))
  manifest.napi.targets = manifest.napi.targets.filter((t) => platformSuffix(t) === SUFFIX)
  fs.writeFileSync(path.join(src, 'package.json'), JSON.stringify(manifest, null, 2) + '\n')
  const platformDir = path.join(src, 'npm', SUFFIX)
  fs.cpSync(path.join(ROOT, 'npm', SUFFIX), platformDir, { recursive: true, filter: (f) => !/\.node$|\/utoo$/.test(f) })
  fs.copyFileSync(ADDON, path.join(src, path.basename(ADDON)))
  nativeUtoo() // builds the debug CLI when this test runs alone
  const staged = stagePlatform({ root: src, npmDir: path.join(src, 'npm'), profile: 'debug' })
  // The debug builds are ~60 MB each, mostly symbols: stripped, npm packs and unpacks them in
  // a few seconds instead of a minute (a release build would be stripped anyway).
  for (const f of staged) spawnSync('strip', [f], { stdio: 'ignore' })
  return { src, platformDir }
}

async function pack(dir) {
  const { stdout } = await npm(['pack', '--ignore-scripts', '--json', '--pack-destination', work], dir)
  // npm 12 keys the answer by package name (npm 11: an array).
  const [info] = Object.values(JSON.parse(stdout))
  return { tgz: path.join(work, info.filename), files: new Map(info.files.map((f) => [f.path, f.mode])) }
}

test('npm pack of utoo and its platform package, installed by npm, runs as API and CLI', { skip: !supported || !fs.existsSync(ADDON), timeout: 300_000 }, async () => {
  const { src, platformDir } = stageSources()

  // The release flow's prepublish step writes the optional dependencies (publishing skipped).
  const napi = path.join(ROOT, 'node_modules', '@napi-rs', 'cli', 'cli.mjs')
  await sh(process.execPath, [napi, 'pre-publish', '-t', 'npm', '--no-gh-release', '--skip-optional-publish'], src)
  const manifest = readJson(path.join(src, 'package.json'))
  assert.deepEqual(manifest.optionalDependencies, { [PLATFORM]: VERSION })
  assert.equal(manifest.bin.utoo, 'bin/utoo')

  const main = await pack(src)
  for (const f of ['bin/utoo', 'bin/utoo.js', 'entry.js', 'index.js', 'index.d.ts', 'install.js', 'package.json']) {
    assert.ok(main.files.has(f), `utoo's tarball has ${f}: ${[...main.files.keys()]}`)
  }
  assert.equal(main.files.get('bin/utoo') & 0o111, 0o111, 'the launcher is packed executable')
  assert.ok(![...main.files.keys()].some((f) => f.endsWith('.node') || f.startsWith('src/') || f.startsWith('crates/')))
  const platform = await pack(platformDir)
  assert.deepEqual([...platform.files.keys()].sort(), ['README.md', 'package.json', 'utoo', `utoo.${SUFFIX}.node`])
  assert.equal(platform.files.get('utoo') & 0o111, 0o111, 'the native CLI is packed executable')

  // No install script runs: --ignore-scripts, as npm 12 does for any dependency not allowed.
  const scratch = makeProject({})
  await npm(['install', main.tgz, platform.tgz, '--ignore-scripts', '--offline'], scratch.dir)
  const installed = path.join(scratch.dir, 'node_modules')
  assert.ok(fs.existsSync(path.join(installed, PLATFORM, 'utoo')), 'the platform package is hoisted beside utoo')
  const bin = path.join(installed, '.bin', 'utoo')
  assert.match(fs.readFileSync(bin, 'utf8').slice(0, 10), /^#!\/bin\/sh/, 'no postinstall: the sh launcher')

  // The API, from the installed package, against the loopback registry.
  const api = makeProject({ dependencies: { 'left-pad': '^1.0.0' } })
  const script = `require('utoo').install(${JSON.stringify({ cwd: api.dir, registry: registry.url, cacheDir: api.cache })}).then((s) => console.log(JSON.stringify(s)))`
  const { stdout: summary } = await sh(process.execPath, ['-e', script], scratch.dir)
  assert.equal(JSON.parse(summary).added, 1)
  assert.equal(readJson(path.join(api.dir, 'node_modules', 'left-pad', 'package.json')).version, '1.3.0')

  // The CLI through .bin: the sh launcher execs the native executable.
  assert.equal((await sh(bin, ['--version'], scratch.dir)).stdout.trim(), `utoo ${VERSION}`)
  const cli = makeProject({ dependencies: { 'left-pad': '1.3.0' } })
  await sh(bin, ['install', '--registry', registry.url, '--cache-dir', cli.cache, '--reporter', 'silent'], cli.dir)
  assert.equal(readJson(path.join(cli.dir, 'node_modules', 'left-pad', 'package.json')).version, '1.3.0')
  assert.ok(fs.existsSync(path.join(cli.dir, 'package-lock.json')))

  // Scripts allowed after all (npm 11's behaviour; an allowScripts key for a tarball install
  // would be its exact `file:` spec): the postinstall swaps in the executable.
  await npm(['rebuild', 'utoo', '--offline', '--dangerously-allow-all-scripts'], scratch.dir)
  const swapped = fs.readFileSync(path.join(installed, 'utoo', 'bin', 'utoo'))
  assert.ok(swapped.subarray(0, 4).equals(Buffer.from([0x7f, 0x45, 0x4c, 0x46])), 'bin/utoo is the native executable')
  assert.equal((await sh(bin, ['--version'], scratch.dir)).stdout.trim(), `utoo ${VERSION}`)
})
