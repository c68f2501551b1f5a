'use strict'
// onProgress: a discriminated union (each type with exactly its fields), throttled with the
// last of a phase always delivered, tarball bytes as `download` events, `stalled` on silence, a final `done`; script output as it
// is printed; and a callback that throws or is slow never fails or stalls the install.

const assert = require('node:assert/strict')
const { spawn } = require('node:child_process')
const fs = require('node:fs')
const path = require('node:path')
const { test, before, after } = require('node:test')

require('./helpers/isolate-config')

const { install } = require('..')
const { startRegistry, pkg } = require('./helpers/registry')
const { makeProject } = require('./helpers/project')

let registry
before(async () => {
  const many = Array.from({ length: 30 }, (_, i) => pkg(`dep${i}`, '1.0.0'))
  registry = await startRegistry([
    ...many,
    pkg('hub', '1.0.0', { dependencies: Object.fromEntries(many.map((p) => [p.name, '1.0.0'])) }),
    pkg('printer', '1.0.0', { scripts: { postinstall: 'echo first; sleep 1.5; touch ended; echo second' } }),
  ])
})
after(() => registry.close())

function options(project, extra = {}) {
  return { cwd: project.dir, registry: registry.url, cacheDir: project.cache, ...extra }
}

// Callbacks are queued to the event loop: let the last ones arrive.
const settle = () => new Promise((r) => setTimeout(r, 50))

const FIELDS = {
  phaseStart: ['phase'],
  progress: ['done', 'package', 'phase', 'total'],
  download: ['bytesDone', 'bytesTotal'],
  phaseEnd: ['elapsedMs', 'phase'],
  warning: ['code', 'message'],
  scriptOutput: ['line', 'package', 'script'],
  stalled: ['idleMs', 'phase'],
  done: ['added', 'changed', 'packages', 'removed', 'totalMs', 'upToDate'],
}

test('each event type carries exactly its own fields; done comes last', async () => {
  const project = makeProject({ dependencies: { hub: '1.0.0' } })
  const events = []
  const summary = await install(options(project, { onProgress: (e) => events.push(e) }))
  await settle()
  for (const e of events) {
    const allowed = FIELDS[e.type]
    assert.ok(allowed, `unknown type ${e.type}`)
    for (const key of Object.keys(e)) {
      assert.ok(key === 'type' || allowed.includes(key), `${e.type} has ${key}: ${JSON.stringify(e)}`)
    }
    if (e.phase !== undefined) assert.match(e.phase, /^(resolve|fetch|link|scripts)$/)
  }
  const last = events[events.length - 1]
  assert.equal(last.type, 'done')
  assert.deepEqual(
    [last.packages, last.added, last.changed, last.removed, last.upToDate],
    [summary.packages, summary.added, summary.changed, summary.removed, summary.upToDate],
  )
  assert.equal(events.filter((e) => e.type === 'done').length, 1)
  // Throttled: progress events of a phase are 50 ms apart, except that the last
  // (done === total) always arrives.
  for (const phase of ['fetch', 'link']) {
    const progress = events.filter((e) => e.type === 'progress' && e.phase === phase)
    assert.ok(progress.length >= 1, phase)
    assert.ok(progress.length < 31, `${phase}: ${progress.length} progress events were not throttled`)
    const final = progress[progress.length - 1]
    assert.equal(final.done, final.total)
    assert.equal(final.total, 31)
  }
  assert.equal(events.filter((e) => e.type === 'stalled').length, 0, 'no stall in a quick install')
  project.cleanup()
})

test('download: tarball bytes as they arrive, growing to the bytes downloaded', async () => {
  const noise = Array.from({ length: 4000 }, (_, i) => `${i * 7919}`).join(',')
  const slow = await startRegistry(
    ['a', 'b', 'c'].map((name) => pkg(name, '1.0.0', {}, { 'noise.txt': noise })),
    { tarballDelayMs: 120 },
  )
  const project = makeProject({ dependencies: { a: '1.0.0', b: '1.0.0', c: '1.0.0' } })
  const events = []
  // One download at a time, each 120 ms apart: more than the 50 ms throttle.
  process.env.UTOO_NETWORK_JOBS = '1'
  let summary
  try {
    summary = await install({
      cwd: project.dir,
      registry: slow.url,
      cacheDir: project.cache,
      onProgress: (e) => events.push(e),
    })
  } finally {
    delete process.env.UTOO_NETWORK_JOBS
  }
  await settle()
  const bytes = events.filter((e) => e.type === 'download')
  assert.ok(bytes.length >= 2, JSON.stringify(bytes))
  for (const [i, e] of bytes.entries()) {
    assert.ok(e.bytesDone <= e.bytesTotal, JSON.stringify(e))
    if (i > 0) assert.ok(e.bytesDone >= bytes[i - 1].bytesDone, JSON.stringify(bytes))
  }
  const last = bytes[bytes.length - 1]
  assert.ok(last.bytesDone > bytes[0].bytesDone, JSON.stringify(bytes))
  assert.ok(summary.bytesDownloaded > 0)
  assert.deepEqual([last.bytesDone, last.bytesTotal], [summary.bytesDownloaded, summary.bytesDownloaded])
  const fetchEnd = events.findIndex((e) => e.type === 'phaseEnd' && e.phase === 'fetch')
  assert.ok(events.indexOf(last) < fetchEnd, 'the final sums arrive before fetch ends')
  project.cleanup()
  await slow.close()
})

test('stalled: after stalledAfterMs without an event, with the phase it hangs in', async () => {
  const slow = await startRegistry([pkg('lazy', '1.0.0')], { tarballDelayMs: 800 })
  const project = makeProject({ dependencies: { lazy: '1.0.0' } })
  const events = []
  await install({
    cwd: project.dir,
    registry: slow.url,
    cacheDir: project.cache,
    stalledAfterMs: 200,
    onProgress: (e) => events.push(e),
  })
  await settle()
  const stalls = events.filter((e) => e.type === 'stalled')
  assert.ok(stalls.length >= 1, JSON.stringify(events.map((e) => e.type)))
  assert.ok(stalls[0].idleMs >= 200, JSON.stringify(stalls[0]))
  // Downloads and linking overlap: the last event before the silence is one of theirs.
  assert.ok(['fetch', 'link'].includes(stalls[0].phase), JSON.stringify(stalls[0]))
  // Activity resets it: no stall arrives after the run is done.
  const doneAt = events.findIndex((e) => e.type === 'done')
  assert.ok(events.slice(doneAt + 1).every((e) => e.type !== 'stalled'))
  project.cleanup()
  await slow.close()
})

test('script output lines arrive as the script prints them, not when it ends', async () => {
  const project = makeProject({ dependencies: { printer: '1.0.0' }, allowScripts: { printer: true } })
  const lines = []
  const ended = path.join(project.dir, 'node_modules/printer/ended')
  await install(
    options(project, {
      onProgress: (e) => {
        if (e.type === 'scriptOutput') lines.push({ line: e.line, scriptEnded: fs.existsSync(ended), script: e.script })
      },
    }),
  )
  await settle()
  assert.deepEqual(lines, [
    { line: 'first', scriptEnded: false, script: 'postinstall' },
    { line: 'second', scriptEnded: true, script: 'postinstall' },
  ])
  project.cleanup()
})

/** Runs `install()` in a child process with `callback` as onProgress; resolves with its output. */
function installInChild(project, callback) {
  const script = `
    const { install } = require(${JSON.stringify(path.join(__dirname, '..'))})
    let calls = 0
    install({ cwd: ${JSON.stringify(project.dir)}, registry: ${JSON.stringify(registry.url)},
              cacheDir: ${JSON.stringify(project.cache)},
              onProgress: (e) => { calls++; (${callback})(e) } })
      .then((s) => console.log('done', s.packages, calls))
      .catch((e) => console.log('failed', e.code, e.message))`
  return new Promise((resolve) => {
    const child = spawn(process.execPath, ['-e', script])
    let out = ''
    child.stdout.on('data', (d) => (out += d))
    child.stderr.on('data', (d) => (out += d))
    child.on('exit', (code) => resolve({ code, out }))
  })
}

test('a callback that throws on every event neither fails the install nor crashes the process', async () => {
  const project = makeProject({ dependencies: { hub: '1.0.0' } })
  const { code, out } = await installInChild(project, '() => { throw new Error("boom") }')
  assert.equal(code, 0, out)
  assert.match(out, /^done 31 \d+/m)
  assert.doesNotMatch(out, /boom/)
  assert.ok(fs.existsSync(path.join(project.dir, 'node_modules/dep29/package.json')))
  project.cleanup()
})

test('a callback that busy-waits 200 ms per event does not slow the engine', async () => {
  const project = makeProject({ dependencies: { hub: '1.0.0' } })
  const events = []
  const summary = await install(
    options(project, {
      onProgress: (e) => {
        events.push(e)
        const until = Date.now() + 200
        while (Date.now() < until) {}
      },
    }),
  )
  await settle()
  assert.ok(events.length >= 4, `${events.length} events`)
  // Had the engine waited for the callback, its own time would include every 200 ms.
  assert.ok(
    summary.timings.totalMs < (events.length - 1) * 200,
    `engine ${summary.timings.totalMs} ms, ${events.length} callbacks of 200 ms`,
  )
  // What matters is still delivered: every phase's end and final count, and done.
  const finals = events.filter((e) => e.type === 'progress' && e.done === e.total).map((e) => e.phase)
  for (const phase of ['fetch', 'link']) assert.ok(finals.includes(phase), `${phase} final progress`)
  assert.equal(events[events.length - 1].type, 'done')
  project.cleanup()
})
