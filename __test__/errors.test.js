'use strict'
// A rejected install carries `code`, `hint` and its reasons as a chain of `cause` Errors,
// against the fixture registry (and one that no longer listens).

const assert = require('node:assert/strict')
const { test, before, after } = require('node:test')

const { install } = require('..')
const { startRegistry, pkg } = require('./helpers/registry')
const { makeProject } = require('./helpers/project')

let registry
before(async () => {
  registry = await startRegistry([
    pkg('present', '1.0.0'),
    pkg('top', '1.0.0', { dependencies: { middle: '^2.0.0' } }),
    pkg('middle', '2.0.0', { dependencies: { leaf: '^9.0.0' } }),
    pkg('leaf', '1.0.0'),
  ])
})
after(() => registry.close())

function options(project, registryUrl) {
  return { cwd: project.dir, registry: registryUrl, cacheDir: project.cache }
}

/** The messages of `err.cause`, `err.cause.cause`, ..., each checked to be an Error. */
function causeMessages(err) {
  const messages = []
  for (let cause = err.cause; cause !== undefined; cause = cause.cause) {
    assert.ok(cause instanceof Error, `cause ${messages.length} is an Error`)
    assert.equal(cause.code, undefined, 'only the top error has a code')
    messages.push(cause.message)
  }
  return messages
}

test('a refused connection: ENETWORK, a network hint, the chain down to the OS error', async () => {
  const closed = await startRegistry([])
  await closed.close()
  const project = makeProject({ dependencies: { present: '1.0.0' } })
  await assert.rejects(install(options(project, closed.url)), (err) => {
    assert.ok(err instanceof Error)
    assert.equal(err.code, 'ENETWORK')
    assert.match(err.message, /could not get the packument of `present`/)
    assert.match(err.hint, /network\/proxy settings/)
    const causes = causeMessages(err)
    // 1 + npm's default fetch-retries (2).
    assert.match(causes[0], new RegExp(`^GET ${closed.url}present failed \\(3 attempts\\)$`))
    assert.match(causes.at(-1), /Connection refused/i)
    assert.ok(!err.message.includes('caused by'), 'the chain is in `cause`, not in the message')
    return true
  })
  project.cleanup()
})

test('a missing package: E404 with a hint and the registry cause', async () => {
  const project = makeProject({ dependencies: { absent: '1.0.0' } })
  await assert.rejects(install(options(project, registry.url)), (err) => {
    assert.equal(err.code, 'E404')
    assert.match(err.message, /could not get the packument of `absent` \(required by the root project\)/)
    assert.equal(err.package, 'absent')
    assert.equal(err.requiredBy, 'the root project')
    assert.deepEqual(err.dependents, [])
    assert.match(err.hint, /check the package name/)
    assert.deepEqual(causeMessages(err), [
      `package \`absent\` was not found in the registry (${registry.url}absent)`,
    ])
    return true
  })
  project.cleanup()
})

test('a failure three deep names the whole chain of dependents, root-first', async () => {
  const project = makeProject({ dependencies: { top: '^1.0.0' } })
  await assert.rejects(install(options(project, registry.url)), (err) => {
    assert.equal(err.code, 'ETARGET')
    assert.deepEqual([err.package, err.spec, err.requiredBy], ['leaf', '^9.0.0', 'middle@2.0.0'])
    // middle is hoisted beside top, yet top asked for it: the chain is who asked.
    assert.deepEqual(err.dependents, ['top@1.0.0', 'middle@2.0.0'])
    assert.match(err.message, /no version of `leaf` matches `\^9\.0\.0` \(required by top@1\.0\.0 > middle@2\.0\.0\)/)
    return true
  })
  project.cleanup()
})

test('an error without a hint has hint null', async () => {
  const project = makeProject({ dependencies: { present: '1.0.0' } })
  const controller = new AbortController()
  controller.abort()
  await assert.rejects(install({ ...options(project, registry.url), signal: controller.signal }), (err) => {
    assert.equal(err.code, 'ABORT_ERR')
    assert.equal(err.hint, null)
    assert.equal(err.cause, undefined)
    return true
  })
  project.cleanup()
})
