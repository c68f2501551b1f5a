'use strict'
// Git dependencies against npm 11 and npm 12: a bare repository served over `file://`, asked
// for by tag, by `#semver:` range and by default branch. With `allow-git=all` (npm 12 refuses
// git by default, and so does utoo) both npms must write utoo's lockfile (`resolved`
// `git+file://…#<sha>`, no integrity), accept it with `npm ci` and find utoo's tree clean.

const assert = require('node:assert/strict')
const { execFileSync } = require('node:child_process')
const fs = require('node:fs')
const os = require('node:os')
const path = require('node:path')
const { test, before, after } = require('node:test')

require('./helpers/isolate-config')

const { install } = require('..')
const { startRegistry, pkg } = require('./helpers/registry')
const { NPMS, assertNpmsInstalled, agreeWithNpm, makeTree, npmRun } = require('./helpers/npm-compat')

let registry
let repo
let scratch
before(async () => {
  assertNpmsInstalled()
  registry = await startRegistry([pkg('leaf', '1.0.0'), pkg('leaf', '1.1.0')])
  // One repository for every project, so every lockfile names the same commits.
  scratch = fs.mkdtempSync(path.join(os.tmpdir(), 'utoo-git-'))
  const work = path.join(scratch, 'work')
  fs.mkdirSync(path.join(work, 'test'), { recursive: true })
  const git = (...args) => execFileSync('git', ['-c', 'user.email=t@example.invalid', '-c', 'user.name=t', '-c', 'init.defaultBranch=main', ...args], { cwd: work })
  git('init', '-q')
  for (const version of ['1.0.0', '1.1.0', '2.0.0']) {
    fs.writeFileSync(path.join(work, 'package.json'), JSON.stringify({ name: 'gdep', version, main: 'index.js', dependencies: { leaf: '^1' }, bin: { gdep: 'cli.js' } }, null, 2))
    fs.writeFileSync(path.join(work, 'index.js'), `module.exports = ${JSON.stringify(version)}\n`)
    fs.writeFileSync(path.join(work, 'cli.js'), '#!/usr/bin/env node\nconsole.log(require("./"))\n', { mode: 0o755 })
    fs.writeFileSync(path.join(work, 'test', 't.js'), '')
    fs.writeFileSync(path.join(work, '.npmignore'), 'test/\n')
    git('add', '-A')
    git('commit', '-q', '-m', version)
    git('tag', `v${version}`)
  }
  repo = path.join(scratch, 'gdep.git')
  execFileSync('git', ['clone', '-q', '--bare', work, repo])
})
after(() => {
  registry.close()
  fs.rmSync(scratch, { recursive: true, force: true })
})

const shapes = {
  'a tag': () => `git+file://${repo}#v1.0.0`,
  'a semver range': () => `git+file://${repo}#semver:^1`,
  'the default branch': () => `git+file://${repo}`,
}

for (const [label, spec] of Object.entries(shapes)) {
  test(`agrees with npm 11 and npm 12 with allow-git=all: ${label}`, async (t) => {
    const { installed } = await agreeWithNpm(t, {
      registry,
      files: { 'package.json': { dependencies: { gdep: spec() } } },
      utoo: { config: { 'allow-git': 'all' } },
      env: { npm_config_allow_git: 'all' },
    })
    const lock = JSON.parse(fs.readFileSync(path.join(installed.dir, 'package-lock.json'), 'utf8'))
    const entry = lock.packages['node_modules/gdep']
    assert.match(entry.resolved, /^git\+file:\/\/.*#[0-9a-f]{40}$/)
    assert.equal(entry.integrity, undefined)
    assert.equal(fs.existsSync(path.join(installed.dir, 'node_modules/gdep/test')), false, '.npmignore is honoured')
    assert.equal(execFileSync(path.join(installed.dir, 'node_modules/.bin/gdep')).toString().trim(), entry.version)
  })
}

test('a git dependency is refused by default, as npm 12 refuses it', async (t) => {
  const project = makeTree({ 'package.json': { dependencies: { gdep: shapes['a tag']() } } })
  t.after(() => project.cleanup())
  await assert.rejects(install({ cwd: project.dir, registry: registry.url, cacheDir: project.cache }), { code: 'EALLOWGIT' })
  const npm12 = NPMS.find((n) => n.label === 'npm 12')
  const r = await npmRun(npm12, ['install', '--package-lock-only'], project, registry)
  assert.notEqual(r.status, 0)
  assert.match(r.out, /EALLOWGIT/)
})
