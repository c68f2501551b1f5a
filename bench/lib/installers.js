'use strict'
// The installers under test: where each binary is, its pinned version, and the command its
// docs prescribe for each situation. Every one runs with scripts disabled, against the
// mirror, with its caches inside the sample's cache dir. pnpm, bun and utoo run as their
// native executables (utoo: the release build of crates/utoo-cli, the binary the npm
// package's postinstall puts in place of the JS launcher); npm runs under this Node.
const fs = require('node:fs')
const path = require('node:path')
const { execFileSync } = require('node:child_process')

const BENCH_DIR = path.join(__dirname, '..')
const REPO_DIR = path.join(BENCH_DIR, '..')
const TOOLS_DIR = path.join(BENCH_DIR, '.tools')
const BUILD_DIR = path.join(BENCH_DIR, '.build')
// The native utoo release binary, built by `node bench/setup.js` (cargo build --release
// -p utoo-cli --target-dir bench/.build/target, then copied here).
const UTOO_BIN = path.join(BUILD_DIR, 'utoo')

// Pinned peers, installed into bench/.tools by `node bench/setup.js`. npm 12 needs Node 22, and
// npm 11.19-11.21 `npm ci` rejects the lockfile its own `npm install` wrote for the medium project
// ("Missing: @rollup/rollup-android-arm-eabi@ from lock file"), so npm is pinned to the newest 10.x.
const PINS = { npm: '10.9.9', pnpm: '12.21.0', bun: '1.4.5' }

/** What each installer runs for each kind of command. */
const COMMANDS = {
  npm: {
    install: ['install'],
    lockfileOnly: ['install', '--package-lock-only'],
    frozen: ['ci'],
    noop: ['install'],
  },
  pnpm: {
    install: ['install'],
    lockfileOnly: ['install', '--lockfile-only'],
    frozen: ['install', '--frozen-lockfile'],
    noop: ['install', '--frozen-lockfile'],
  },
  bun: {
    install: ['install'],
    lockfileOnly: ['install', '--lockfile-only'],
    frozen: ['install', '--frozen-lockfile'],
    noop: ['install', '--frozen-lockfile'],
  },
  utoo: {
    install: ['install'],
    lockfileOnly: ['install', '--lockfile-only'],
    frozen: ['ci'],
    noop: ['install'],
  },
}
// `--baseline <binary>`: another utoo build (an older commit), run exactly as utoo is, so a
// change is measured side by side with what it replaces.
COMMANDS['utoo-base'] = COMMANDS.utoo

const LOCKFILES = {
  npm: ['package-lock.json'],
  pnpm: ['pnpm-lock.yaml'],
  bun: ['bun.lock', 'bun.lockb'],
  utoo: ['package-lock.json'],
  'utoo-base': ['package-lock.json'],
}

function toolPaths(toolsDir = TOOLS_DIR) {
  const nm = path.join(toolsDir, 'node_modules')
  return {
    npm: path.join(nm, 'npm', 'bin', 'npm-cli.js'),
    pnpm: path.join(nm, '@pnpm', 'exe.linux-x64', 'pnpm'),
    bun: path.join(nm, '@oven', 'bun-linux-x64', 'bin', 'bun'),
    utoo: UTOO_BIN,
  }
}

/**
 * The environment every installer gets: the caller's, minus anything that would steer an
 * installer (npm_* from `npm run`, CI, pnpm/bun/utoo settings), plus a bench-owned npm
 * userconfig and XDG dirs inside the sample's cache dir.
 */
function baseEnv({ registry, cacheDir, userconfig }) {
  const env = {}
  for (const [k, v] of Object.entries(process.env)) {
    const l = k.toLowerCase()
    if (l.startsWith('npm_') || l.startsWith('pnpm_') || l.startsWith('bun_') || l.startsWith('utoo_')) continue
    if (['CI', 'NODE_OPTIONS', 'XDG_CACHE_HOME', 'XDG_DATA_HOME', 'XDG_STATE_HOME', 'XDG_CONFIG_HOME'].includes(k)) continue
    env[k] = v
  }
  Object.assign(env, {
    npm_config_userconfig: userconfig,
    npm_config_registry: registry,
    npm_config_update_notifier: 'false',
    npm_config_fund: 'false',
    npm_config_audit: 'false',
    XDG_CACHE_HOME: path.join(cacheDir, 'xdg-cache'),
    XDG_DATA_HOME: path.join(cacheDir, 'xdg-data'),
    XDG_STATE_HOME: path.join(cacheDir, 'xdg-state'),
    XDG_CONFIG_HOME: path.join(cacheDir, 'xdg-config'),
    DO_NOT_TRACK: '1',
    NO_COLOR: '1',
  })
  return env
}

/**
 * { file, args, env } for `installer` running command `kind` (install | lockfileOnly |
 * frozen | noop) in a work dir, against `registry`, caching under `cacheDir`.
 */
function commandFor(installer, kind, { registry, cacheDir, userconfig, tools = toolPaths(), utooReporter = 'ndjson' }) {
  const sub = COMMANDS[installer][kind]
  if (!sub) throw new Error(`no ${kind} command for ${installer}`)
  const env = baseEnv({ registry, cacheDir, userconfig })
  switch (installer) {
    case 'npm':
      return {
        file: process.execPath,
        args: [tools.npm, ...sub, '--registry', registry, '--cache', path.join(cacheDir, 'npm'), '--ignore-scripts', '--no-audit', '--no-fund', '--loglevel', 'warn'],
        env,
      }
    case 'pnpm':
      env.npm_config_cache_dir = path.join(cacheDir, 'pnpm-cache')
      env.pnpm_config_cache_dir = path.join(cacheDir, 'pnpm-cache')
      return {
        file: tools.pnpm,
        args: [...sub, '--registry', registry, '--store-dir', path.join(cacheDir, 'pnpm-store'), '--state-dir', path.join(cacheDir, 'pnpm-state'), '--ignore-scripts', '--no-progress'],
        env,
      }
    case 'bun':
      env.BUN_INSTALL_CACHE_DIR = path.join(cacheDir, 'bun')
      return {
        file: tools.bun,
        args: [...sub, '--registry', registry, '--cache-dir', path.join(cacheDir, 'bun'), '--ignore-scripts', '--no-progress'],
        env,
      }
    case 'utoo':
    case 'utoo-base':
      return {
        file: tools[installer],
        args: [...sub, '--registry', registry, '--cache-dir', path.join(cacheDir, 'utoo'), '--ignore-scripts', '--reporter', utooReporter],
        env,
      }
    default:
      throw new Error(`unknown installer ${installer}`)
  }
}

/** Installed version of each tool (null when it is missing). */
function versions(tools = toolPaths()) {
  const out = {}
  const run = (file, args, env) => {
    try {
      return execFileSync(file, args, { encoding: 'utf8', env: { ...process.env, ...env }, stdio: ['ignore', 'pipe', 'ignore'] }).trim()
    } catch {
      return null
    }
  }
  out.npm = fs.existsSync(tools.npm) ? run(process.execPath, [tools.npm, '--version']) : null
  out.pnpm = fs.existsSync(tools.pnpm) ? run(tools.pnpm, ['--version']) : null
  out.bun = fs.existsSync(tools.bun) ? run(tools.bun, ['--version']) : null
  const utoo = fs.existsSync(tools.utoo) ? run(tools.utoo, ['--version']) : null
  out.utoo = utoo ? `${utoo.replace(/^utoo\s*/, '')} (native release)` : null
  if (tools['utoo-base']) out['utoo-base'] = `baseline ${tools['utoo-base']}`
  return out
}

module.exports = { BENCH_DIR, REPO_DIR, TOOLS_DIR, BUILD_DIR, UTOO_BIN, PINS, COMMANDS, LOCKFILES, toolPaths, baseEnv, commandFor, versions }
