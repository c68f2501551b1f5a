'use strict'
// Lower bounds on the same machine, to read the installers' numbers against:
//  - fetch: every tarball of the installed set from the mirror, 50 in flight, by a trivial
//    Node fetcher in its own process;
//  - tar: `tar -xzf` of every one of those tarballs, as many in parallel as there are cores;
//  - cp: `cp -al` of a finished (npm-layout) node_modules tree.
const fs = require('node:fs')
const os = require('node:os')
const path = require('node:path')
const { execFileSync, spawnSync } = require('node:child_process')
const store = require('./store')
const { rmrf } = require('./runner')

function timeIt(fn) {
  const start = process.hrtime.bigint()
  fn()
  return Number(process.hrtime.bigint() - start) / 1e6
}

/** `packages`: name@version list; `mirror`: started mirror; `nodeModulesFrom`: a work dir. */
function runFloors({ dataDir, packages, mirror, nodeModulesFrom, scratch }) {
  const out = {}
  const tarballs = []
  for (const id of packages) {
    const at = id.lastIndexOf('@')
    const name = id.slice(0, at)
    const file = store.tarballFileName(name, id.slice(at + 1))
    const p = store.tarballFile(dataDir, name, file)
    if (fs.existsSync(p)) tarballs.push({ name, file, path: p })
  }
  rmrf(scratch)
  fs.mkdirSync(scratch, { recursive: true })
  const urlFile = path.join(scratch, 'urls.txt')
  fs.writeFileSync(urlFile, tarballs.map((t) => `${mirror.url}${t.name}/-/${t.file}`).join('\n') + '\n')
  // tar extraction, nproc in parallel.
  const par = os.cpus().length
  const listFile = path.join(scratch, 'tar-list.txt')
  fs.writeFileSync(listFile, tarballs.map((t, i) => `${t.path}\n${path.join(scratch, 'x', String(i))}`).join('\n') + '\n')
  execFileSync('sync')
  const tarMs = timeIt(() => {
    const r = spawnSync('sh', ['-c', `xargs -d '\\n' -n 2 -P ${par} sh -c 'mkdir -p "$1" && exec tar -xzf "$0" -C "$1"' < "${listFile}"`], { stdio: 'ignore' })
    if (r.status !== 0) throw new Error('tar floor failed')
  })
  out.tar = { ms: Math.round(tarMs), count: tarballs.length, parallel: par }
  rmrf(path.join(scratch, 'x'))

  // cp -al of a finished node_modules.
  if (nodeModulesFrom && fs.existsSync(path.join(nodeModulesFrom, 'node_modules'))) {
    const dest = path.join(scratch, 'cp')
    execFileSync('sync')
    const ms = timeIt(() => execFileSync('cp', ['-al', path.join(nodeModulesFrom, 'node_modules'), dest]))
    let files = 0
    const walk = (d) => {
      for (const e of fs.readdirSync(d, { withFileTypes: true })) {
        if (e.isDirectory()) walk(path.join(d, e.name))
        else files++
      }
    }
    walk(dest)
    out.cp = { ms: Math.round(ms), files, from: 'npm p0 node_modules' }
    rmrf(dest)
  }
  return { out, tarballs, urlFile }
}

/** The fetch floor: spawns floor-fetch.js (async, so the in-process mirror keeps serving). */
async function fetchFloor(urlFile, concurrency = 50) {
  const { spawn } = require('node:child_process')
  const child = spawn(process.execPath, [path.join(__dirname, 'floor-fetch.js'), urlFile, String(concurrency)], { stdio: ['ignore', 'pipe', 'inherit'] })
  let text = ''
  child.stdout.on('data', (c) => (text += c))
  const code = await new Promise((r) => child.on('exit', r))
  if (code !== 0) throw new Error('fetch floor failed')
  const r = JSON.parse(text)
  return { ...r, ms: Math.round(r.ms), mbPerS: r.bytes / 1e6 / (r.ms / 1000) }
}

module.exports = { runFloors, fetchFloor }
