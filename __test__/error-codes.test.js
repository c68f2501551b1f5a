'use strict'
// Every code of the engine's table (errorCodes(), read from the Rust enum) is either
// triggered here through the API, with its code, message and cause checked, or listed as
// unreachable from JS with the reason. A code added to the table without a case fails the
// first test.

const assert = require('node:assert/strict')
const fs = require('node:fs')
const http = require('node:http')
const path = require('node:path')
const { test, before, after } = require('node:test')

require('./helpers/isolate-config')

const { install, ci, add, list, errorCodes } = require('..')
const { startRegistry, pkg } = require('./helpers/registry')
const { makeProject } = require('./helpers/project')

/** Codes no JS call can meet, and why. */
const UNREACHABLE = {
  ECANCELLED: 'JS sees it as an AbortError with code ABORT_ERR (the ABORT_ERR case below)',
  ENOMATCH: 'only the CLI meets it (`utoo why`, `approve-scripts`, `deny-scripts` of a package not installed); why() resolves to an empty list, as npm explain --json prints []',
}

let registry
let failing
const servers = []
before(async () => {
  registry = await startRegistry([
    pkg('present', '1.0.0'),
    pkg('other', '1.0.0'),
    pkg('host', '1.0.0'),
    pkg('host', '2.0.0'),
    pkg('plugin', '1.0.0', { peerDependencies: { host: '^2.0.0' } }),
    pkg('elsewhere', '1.0.0', { os: ['plan9'] }),
    pkg('ancient', '1.0.0', { engines: { node: '<1' } }),
    pkg('tool', '1.0.0', { bin: { tool: 'index.js' } }),
    pkg('fails', '1.0.0', { scripts: { postinstall: 'exit 3' } }),
  ])
  // Registries that answer every request with one status.
  failing = {}
  for (const status of [400, 401]) {
    const server = http.createServer((req, res) => res.writeHead(status).end())
    await new Promise((resolve) => server.listen(0, '127.0.0.1', resolve))
    servers.push(server)
    failing[status] = `http://127.0.0.1:${server.address().port}/`
  }
})
after(async () => {
  await registry.close()
  for (const server of servers) server.close()
})

const projects = []
after(() => projects.forEach((p) => p.cleanup()))

function project(packageJson) {
  const p = makeProject(packageJson)
  projects.push(p)
  return p
}

function opts(p, extra = {}) {
  return { cwd: p.dir, registry: registry.url, cacheDir: p.cache, ...extra }
}

function causes(err) {
  const out = []
  for (let c = err.cause; c !== undefined; c = c.cause) out.push(c.message)
  return out.join('\n')
}

/** A project with a lockfile written by a real install, then `edit` applied to it. */
async function locked(packageJson, edit) {
  const p = project(packageJson)
  await install({ ...opts(p), lockfileOnly: true })
  const file = path.join(p.dir, 'package-lock.json')
  fs.writeFileSync(file, JSON.stringify(edit(JSON.parse(fs.readFileSync(file, 'utf8'))), null, 2))
  return p
}

// code → [how to trigger it, message pattern, cause pattern or null]
const CASES = {
  E404: [() => install(opts(project({ dependencies: { absent: '1.0.0' } }))), /packument of `absent`/, /not found in the registry/],
  ETARGET: [() => install(opts(project({ dependencies: { present: '^9.0.0' } }))), /no version of `present` matches `\^9\.0\.0`/, null],
  ERESOLVE: [() => install(opts(project({ dependencies: { host: '1.0.0', plugin: '1.0.0' } }))), /plugin@1\.0\.0 needs host@\^2\.0\.0/, null],
  EUNSUPPORTEDPROTOCOL: [() => install(opts(project({ dependencies: { x: 'link:../x' } }))), /`x@link:\.\.\/x`/, null],
  EINVALIDSPEC: [() => add(['present@npm:'], opts(project({}))), /invalid package spec `npm:`: an alias needs a package name/, null],
  EOVERRIDE: [() => install(opts(project({ dependencies: { present: '1.0.0' }, overrides: { present: '^2.0.0' } }))), /present/, null],
  EBADPLATFORM: [() => install(opts(project({ dependencies: { elsewhere: '1.0.0' } }))), /`elsewhere@1\.0\.0` does not support this platform/, null],
  EBADENGINE: [
    () => install(opts(project({ dependencies: { ancient: '1.0.0' } }), { config: { 'engine-strict': 'true' } })),
    /`ancient@1\.0\.0` wants node <1/,
    null,
  ],
  EINTEGRITY: [
    async () => {
      const p = await locked({ dependencies: { present: '1.0.0' } }, (lock) => {
        lock.packages['node_modules/present'].integrity = 'sha512-' + Buffer.alloc(64).toString('base64')
        return lock
      })
      return ci(opts(p))
    },
    /integrity check failed for `present@1\.0\.0`: expected sha512-AAAA/,
    null,
  ],
  ETARBALL: [
    () => {
      const p = project({ dependencies: { junk: 'file:junk.tgz' } })
      fs.writeFileSync(path.join(p.dir, 'junk.tgz'), 'not a tarball at all')
      return install(opts(p))
    },
    /junk/,
    /./,
  ],
  ENETWORK: [
    async () => {
      const closed = await startRegistry([])
      await closed.close()
      return install({ ...opts(project({ dependencies: { present: '1.0.0' } })), registry: closed.url })
    },
    /packument of `present`/,
    /Connection refused/i,
  ],
  // A status npm does not retry (400); a 5xx that outlasts the retries is ENETWORK.
  EHTTP: [
    () => install({ ...opts(project({ dependencies: { present: '1.0.0' } })), registry: failing[400] }),
    /packument of `present`/,
    /400/,
  ],
  EAUTH: [
    () => install({ ...opts(project({ dependencies: { present: '1.0.0' } })), registry: failing[401] }),
    /packument of `present`/,
    /401/,
  ],
  ENOTCACHED: [() => install(opts(project({ dependencies: { present: '1.0.0' } }), { offline: true })), /packument of `present`/, /not in the cache/],
  ECAFILE: [
    () => install(opts(project({ dependencies: { present: '1.0.0' } }), { config: { cafile: '/nonexistent/ca.pem' } })),
    /packument of `present`/,
    /could not read CA certificates from `\/nonexistent\/ca\.pem`/,
  ],
  ECLIENT: [
    () => install(opts(project({ dependencies: { present: '1.0.0' } }), { config: { proxy: 'http://[bad' } })),
    /packument of `present`/,
    /could not set up the HTTP client/,
  ],
  ECONFIG: [
    () => {
      const p = project({ dependencies: { present: '1.0.0' } })
      // A link to itself: there, but unreadable (ELOOP), even for root.
      fs.symlinkSync('.npmrc', path.join(p.dir, '.npmrc'))
      return install(opts(p))
    },
    /could not read npm config file `.*\.npmrc`/,
    /symbolic links/i,
  ],
  EJSONPARSE: [
    () => {
      const p = project({})
      fs.writeFileSync(path.join(p.dir, 'package.json'), '{ "name": ')
      return install(opts(p))
    },
    /package\.json:1:\d+` is not valid JSON/,
    /EOF|line 1/,
  ],
  ENOPACKAGEJSON: [
    () => {
      const p = project({})
      fs.rmSync(path.join(p.dir, 'package.json'))
      return install(opts(p))
    },
    /no package\.json in/,
    null,
  ],
  ENOLOCK: [() => ci(opts(project({ dependencies: { present: '1.0.0' } }))), /needs a package-lock\.json/, null],
  ELOCKOUTOFSYNC: [
    async () => {
      const p = await locked({ dependencies: { present: '1.0.0' } }, (lock) => lock)
      fs.writeFileSync(path.join(p.dir, 'package.json'), JSON.stringify({ name: 'x', version: '1.0.0', dependencies: { present: '1.0.0', other: '1.0.0' } }))
      return ci(opts(p))
    },
    /out of sync/,
    null,
  ],
  EIO: [
    () => {
      const p = project({ dependencies: { present: '1.0.0' } })
      fs.mkdirSync(path.join(p.dir, 'package-lock.json'))
      return install(opts(p))
    },
    /package-lock\.json/,
    /directory/i,
  ],
  ELINK: [
    () => {
      const p = project({ dependencies: { tool: '1.0.0' } })
      // A file where the bins' folder goes.
      fs.mkdirSync(path.join(p.dir, 'node_modules'))
      fs.writeFileSync(path.join(p.dir, 'node_modules/.bin'), '')
      return install(opts(p))
    },
    /could not create `.*node_modules\/\.bin`/,
    /File exists/,
  ],
  ELIFECYCLE: [() => install(opts(project({ dependencies: { fails: '1.0.0' }, allowScripts: { fails: true } }))), /fails@1\.0\.0/, null],
  ABORT_ERR: [
    () => {
      const controller = new AbortController()
      controller.abort()
      return install(opts(project({ dependencies: { present: '1.0.0' } }), { signal: controller.signal }))
    },
    /cancelled/,
    null,
  ],
  EINTERNAL: [
    async () => {
      process.env.UTOO_FAILPOINT = 'plan'
      try {
        return await install(opts(project({ dependencies: { present: '1.0.0' } })))
      } finally {
        delete process.env.UTOO_FAILPOINT
      }
    },
    /internal error: .* panicked/,
    null,
  ],
  ELSPROBLEMS: [
    async () => {
      // list() reports problems as `error`, as `npm ls --json` does, rather than rejecting.
      const result = await list({ cwd: project({ dependencies: { present: '1.0.0' } }).dir })
      throw Object.assign(new Error(result.error.summary), { code: result.error.code })
    },
    /missing: present@1\.0\.0/,
    null,
  ],
  EWORKSPACES: [
    () => {
      const p = project({ workspaces: ['packages/*'] })
      fs.mkdirSync(path.join(p.dir, 'packages/one'), { recursive: true })
      fs.writeFileSync(path.join(p.dir, 'packages/one/package.json'), JSON.stringify({ name: 'one', version: '1.0.0' }))
      return install(opts(p, { config: { workspace: 'nope' } }))
    },
    /no workspace member matches `-w nope`/,
    null,
  ],
  EALLOWGIT: [() => install(opts(project({ dependencies: { g: 'git+http://127.0.0.1:9/g.git' } }))), /g/, null],
  EGIT: [
    () => install(opts(project({ dependencies: { g: 'git+http://127.0.0.1:9/g.git' } }), { config: { 'allow-git': 'all' } })),
    /g/,
    /./,
  ],
  EALLOWREMOTE: [() => install(opts(project({ dependencies: { r: 'http://127.0.0.1:9/r.tgz' } }))), /r/, null],
}

test('every code of the engine table has a case here or a reason it cannot have one', () => {
  const table = errorCodes()
  assert.ok(table.length > 20, 'errorCodes() lists the table')
  for (const { code, meaning } of table) {
    assert.match(meaning, /\.$/, code)
    const jsCode = code === 'ECANCELLED' ? 'ABORT_ERR' : code
    assert.ok(jsCode in CASES || code in UNREACHABLE, `${code} has no case in error-codes.test.js`)
  }
  const known = new Set(table.map((c) => c.code))
  for (const code of Object.keys(CASES)) {
    assert.ok(known.has(code) || code === 'ABORT_ERR', `${code} is not in the engine's table`)
  }
})

for (const [code, [trigger, message, cause]] of Object.entries(CASES)) {
  test(`${code}: rejects with its code, its message${cause ? ' and its cause' : ''}`, async () => {
    await assert.rejects(trigger(), (err) => {
      assert.ok(err instanceof Error)
      assert.equal(err.code, code, `${err.code}: ${err.message}\n${causes(err)}`)
      assert.match(err.message, message)
      if (cause) assert.match(causes(err), cause)
      return true
    })
  })
}
