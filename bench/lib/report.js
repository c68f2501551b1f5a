'use strict'
// Summaries (median/min/max/σ per project × latency × phase × installer), ratio tables, CSV,
// and the generated part of bench/README.md.
const fs = require('node:fs')
const path = require('node:path')

const RESULTS_DIR = path.join(__dirname, '..', 'results')
const README = path.join(__dirname, '..', 'README.md')
const PEERS_ORDER = ['utoo', 'utoo-base', 'bun', 'pnpm', 'npm']

function median(xs) {
  const a = xs.filter((x) => typeof x === 'number' && !Number.isNaN(x)).sort((x, y) => x - y)
  if (!a.length) return null
  const m = a.length >> 1
  return a.length % 2 ? a[m] : (a[m - 1] + a[m]) / 2
}
function stdev(xs) {
  const a = xs.filter((x) => typeof x === 'number')
  if (a.length < 2) return 0
  const mean = a.reduce((s, x) => s + x, 0) / a.length
  return Math.sqrt(a.reduce((s, x) => s + (x - mean) ** 2, 0) / (a.length - 1))
}

const key = (s) => `${s.project}|${s.latencyMs}|${s.phase}|${s.installer}`

/** Groups valid samples into summary rows; failed/discarded ones are counted. */
function summarize(samples) {
  const groups = new Map()
  for (const s of samples) {
    const k = key(s)
    if (!groups.has(k)) groups.set(k, [])
    groups.get(k).push(s)
  }
  // Per-round ratio peer/utoo (same project, latency, phase, round).
  const utooByRound = new Map()
  for (const s of samples) if (s.installer === 'utoo' && s.valid) utooByRound.set(`${s.project}|${s.latencyMs}|${s.phase}|${s.round}`, s.wallMs)
  const rows = []
  for (const [, g] of groups) {
    const ok = g.filter((s) => s.valid)
    const first = g[0]
    const ratios = ok
      .map((s) => {
        const u = utooByRound.get(`${s.project}|${s.latencyMs}|${s.phase}|${s.round}`)
        return u ? s.wallMs / u : null
      })
      .filter((x) => x !== null)
    const pick = (f, digits = 0) => {
      const m = median(ok.map((s) => s[f]))
      return m == null ? null : Math.round(m * 10 ** digits) / 10 ** digits
    }
    const row = {
      project: first.project,
      latencyMs: first.latencyMs,
      phase: first.phase,
      installer: first.installer,
      runs: g.length,
      valid: ok.length,
      failed: g.filter((s) => !s.ok).length,
      discarded: g.filter((s) => s.ok && !s.valid).length,
      wallMedianMs: pick('wallMs', 1),
      wallMinMs: ok.length ? Math.min(...ok.map((s) => s.wallMs)) : null,
      wallMaxMs: ok.length ? Math.max(...ok.map((s) => s.wallMs)) : null,
      wallStdevMs: ok.length ? Math.round(stdev(ok.map((s) => s.wallMs)) * 10) / 10 : null,
      userS: pick('userS', 2),
      sysS: pick('sysS', 2),
      maxRssMB: ok.length ? Math.round(Math.max(...ok.map((s) => s.maxRssKB || 0)) / 1024) : null,
      volCtx: pick('volCtx'),
      involCtx: pick('involCtx'),
      requests: pick('requests'),
      tarballRequests: pick('tarballRequests'),
      bytesMB: ok.length ? Math.round((median(ok.map((s) => s.bytes)) / 1e6) * 10) / 10 : null,
      nmFiles: pick('nmFiles'),
      nmMB: ok.length && pick('nmBytes') != null ? Math.round((median(ok.map((s) => s.nmBytes)) / 1e6) * 10) / 10 : null,
      nmPackages: pick('nmPackages'),
      backgroundCpuS: pick('backgroundCpuS', 2),
      ratioToUtoo: ratios.length ? Math.round(median(ratios) * 100) / 100 : null,
      errors: [...new Set(g.filter((s) => s.error).map((s) => s.error))],
      canaryFailures: [...new Set(g.filter((s) => s.ok && !s.valid).flatMap((s) => s.canaries.filter((c) => !c.ok).map((c) => `${c.name}: ${c.detail}`)))],
      p5Requests: first.phase === 'p5_noop' ? ok.map((s) => s.requests) : undefined,
    }
    if (first.installer === 'utoo') {
      const t = ok.map((s) => s.utooTimings).filter(Boolean)
      if (t.length) {
        row.utooTimings = {}
        for (const f of ['resolveMs', 'fetchLinkMs', 'linkMs', 'binsMs', 'scriptsMs', 'totalMs']) row.utooTimings[f] = median(t.map((x) => x[f]))
      }
    }
    rows.push(row)
  }
  const order = (r) => [r.project, r.latencyMs, r.phase, PEERS_ORDER.indexOf(r.installer)]
  rows.sort((a, b) => {
    const x = order(a)
    const y = order(b)
    for (let i = 0; i < x.length; i++) if (x[i] !== y[i]) return x[i] < y[i] ? -1 : 1
    return 0
  })
  return rows
}

const fmtMs = (ms) => (ms == null ? '—' : ms >= 10000 ? `${(ms / 1000).toFixed(1)} s` : ms >= 1000 ? `${(ms / 1000).toFixed(2)} s` : `${Math.round(ms)} ms`)
const fmtX = (x) => (x == null ? '—' : `${x.toFixed(2)}×`)

/** The headline: per project × latency × phase, utoo's median and each peer's median ÷ utoo's. */
function ratioTable(rows) {
  const installers = PEERS_ORDER.filter((i) => rows.some((r) => r.installer === i))
  const peers = installers.filter((i) => i !== 'utoo')
  const lines = [
    `| project | latency | phase | utoo median | ${peers.map((p) => `${p} ÷ utoo`).join(' | ')} | utoo ÷ fastest peer | target ≤ 0.8 |`,
    `|---|---|---|---|${peers.map(() => '---').join('|')}|---|---|`,
  ]
  const cells = new Map(rows.map((r) => [key(r), r]))
  const combos = [...new Set(rows.map((r) => `${r.project}|${r.latencyMs}|${r.phase}`))]
  for (const c of combos) {
    const [project, latency, phase] = c.split('|')
    const u = cells.get(`${c}|utoo`)
    const uMed = u && u.valid ? u.wallMedianMs : null
    const peerMeds = peers.map((p) => cells.get(`${c}|${p}`)).filter((r) => r && r.valid).map((r) => r.wallMedianMs)
    const fastest = peerMeds.length ? Math.min(...peerMeds) : null
    const rel = uMed != null && fastest ? uMed / fastest : null
    const peerCells = peers.map((p) => {
      const r = cells.get(`${c}|${p}`)
      if (!r) return '—'
      if (!r.valid) return 'failed'
      if (uMed == null) return fmtMs(r.wallMedianMs)
      return fmtX(r.wallMedianMs / uMed)
    })
    const uCell = u ? (u.valid ? fmtMs(uMed) : `**failed**`) : '—'
    lines.push(`| ${project} | ${latency} ms | ${phase} | ${uCell} | ${peerCells.join(' | ')} | ${rel == null ? '—' : fmtX(rel)} | ${rel == null ? '—' : rel <= 0.8 ? 'yes' : '**no**'} |`)
  }
  return lines.join('\n')
}

function detailTable(rows) {
  const lines = [
    '| project | lat | phase | installer | ok/runs | median | min | max | σ | user s | sys s | peak RSS MB | vol/invol cs | requests | tarball req | MB recv | nm files | nm MB | other CPU s | ÷utoo (same round) |',
    '|---|---|---|---|---|---|---|---|---|---|---|---|---|---|---|---|---|---|---|---|',
  ]
  for (const r of rows) {
    lines.push(
      `| ${r.project} | ${r.latencyMs} | ${r.phase} | ${r.installer} | ${r.valid}/${r.runs} | ${fmtMs(r.wallMedianMs)} | ${fmtMs(r.wallMinMs)} | ${fmtMs(r.wallMaxMs)} | ${r.wallStdevMs == null ? '—' : Math.round(r.wallStdevMs)} | ${r.userS ?? '—'} | ${r.sysS ?? '—'} | ${r.maxRssMB ?? '—'} | ${r.volCtx ?? '—'}/${r.involCtx ?? '—'} | ${r.requests ?? '—'} | ${r.tarballRequests ?? '—'} | ${r.bytesMB ?? '—'} | ${r.nmFiles ?? '—'} | ${r.nmMB ?? '—'} | ${r.backgroundCpuS ?? '—'} | ${r.installer === 'utoo' ? '1' : fmtX(r.ratioToUtoo)} |`,
    )
  }
  return lines.join('\n')
}

function utooTable(rows) {
  const u = rows.filter((r) => r.installer === 'utoo' && r.utooTimings)
  if (!u.length) return ''
  const lines = ['| project | lat | phase | wall (outside) | totalMs | resolveMs | fetchLinkMs | linkMs | binsMs | scriptsMs |', '|---|---|---|---|---|---|---|---|---|---|']
  for (const r of u) {
    const t = r.utooTimings
    lines.push(`| ${r.project} | ${r.latencyMs} | ${r.phase} | ${fmtMs(r.wallMedianMs)} | ${t.totalMs} | ${t.resolveMs} | ${t.fetchLinkMs} | ${t.linkMs} | ${t.binsMs} | ${t.scriptsMs} |`)
  }
  return lines.join('\n')
}

function rssTable(rows) {
  const combos = [...new Set(rows.map((r) => `${r.project}|${r.latencyMs}|${r.phase}`))]
  const cells = new Map(rows.map((r) => [key(r), r]))
  const installers = PEERS_ORDER.filter((i) => rows.some((r) => r.installer === i))
  const lines = [`| project | lat | phase | ${installers.join(' | ')} | utoo ≤ bun |`, `|---|---|---|${installers.map(() => '---').join('|')}|---|`]
  for (const c of combos) {
    const [p, l, ph] = c.split('|')
    const vals = installers.map((i) => cells.get(`${c}|${i}`))
    const u = cells.get(`${c}|utoo`)
    const b = cells.get(`${c}|bun`)
    const cmp = u && b && u.valid && b.valid ? (u.maxRssMB <= b.maxRssMB ? 'yes' : '**no**') : '—'
    lines.push(`| ${p} | ${l} | ${ph} | ${vals.map((r) => (r && r.valid ? r.maxRssMB : '—')).join(' | ')} | ${cmp} |`)
  }
  return lines.join('\n')
}

function toCsv(records, fields) {
  const esc = (v) => {
    if (v == null) return ''
    const s = typeof v === 'object' ? JSON.stringify(v) : String(v)
    return /[",\n]/.test(s) ? `"${s.replace(/"/g, '""')}"` : s
  }
  return [fields.join(','), ...records.map((r) => fields.map((f) => esc(r[f])).join(','))].join('\n') + '\n'
}

const SAMPLE_FIELDS = ['project', 'latencyMs', 'round', 'phase', 'installer', 'ok', 'valid', 'wallMs', 'userS', 'sysS', 'maxRssKB', 'volCtx', 'involCtx', 'requests', 'packumentRequests', 'tarballRequests', 'notFound', 'notModified', 'bytes', 'tarballBytes', 'expectedTarballBytes', 'nmFiles', 'nmBytes', 'nmPackages', 'mirrorCpuS', 'backgroundCpuS', 'waitedQuietMs', 'utooTimings', 'error']
const SUMMARY_FIELDS = ['project', 'latencyMs', 'phase', 'installer', 'runs', 'valid', 'failed', 'discarded', 'wallMedianMs', 'wallMinMs', 'wallMaxMs', 'wallStdevMs', 'userS', 'sysS', 'maxRssMB', 'volCtx', 'involCtx', 'requests', 'tarballRequests', 'bytesMB', 'nmFiles', 'nmMB', 'nmPackages', 'backgroundCpuS', 'ratioToUtoo', 'utooTimings', 'errors', 'canaryFailures']

/** Writes results/<project>.{json,csv,samples.csv} for one project's run. */
function writeProjectResults(project, run) {
  fs.mkdirSync(RESULTS_DIR, { recursive: true })
  fs.writeFileSync(path.join(RESULTS_DIR, `${project}.json`), JSON.stringify(run, null, 1) + '\n')
  fs.writeFileSync(path.join(RESULTS_DIR, `${project}.summary.csv`), toCsv(run.summary, SUMMARY_FIELDS))
  fs.writeFileSync(path.join(RESULTS_DIR, `${project}.samples.csv`), toCsv(run.samples, SAMPLE_FIELDS))
}

/** Every project's latest results/<project>.json. */
function loadAll() {
  if (!fs.existsSync(RESULTS_DIR)) return []
  return fs
    .readdirSync(RESULTS_DIR)
    .filter((f) => f.endsWith('.json'))
    .map((f) => JSON.parse(fs.readFileSync(path.join(RESULTS_DIR, f), 'utf8')))
    .filter((r) => r && r.summary)
}

function canaryNotes(runs) {
  const lines = []
  for (const run of runs) {
    const s = run.samples
    const by = (pred) => s.filter(pred)
    const p3 = by((x) => x.phase === 'p3_cold_install' && x.ok)
    const p4 = by((x) => x.phase === 'p4_warm_link' && x.ok)
    const p5 = by((x) => x.phase === 'p5_noop' && x.ok)
    const discarded = by((x) => x.ok && !x.valid)
    lines.push(`- **${run.project}**: ${s.length} samples, ${by((x) => !x.ok).length} failed, ${discarded.length} discarded by a canary.`)
    if (p3.length) lines.push(`  - p3 cold cache: ${p3.filter((x) => x.valid).length}/${p3.length} served ≥ 90% of the installed packages' tarball bytes (medians: ${[...new Set(p3.map((x) => x.installer))].map((i) => `${i} ${Math.round(median(p3.filter((x) => x.installer === i).map((x) => x.tarballBytes)) / 1e6)} of ${Math.round(median(p3.filter((x) => x.installer === i).map((x) => x.expectedTarballBytes)) / 1e6)} MB`).join(', ')}).`)
    if (p4.length) lines.push(`  - p4 warm cache: ${p4.filter((x) => x.tarballRequests === 0).length}/${p4.length} made no tarball request.`)
    if (p5.length) {
      const per = [...new Set(p5.map((x) => x.installer))].map((i) => `${i} ${[...new Set(p5.filter((x) => x.installer === i).map((x) => x.requests))].join('/')}`)
      lines.push(`  - p5 no-op, requests made: ${per.join(', ')} (utoo must make 0; peers may revalidate).`)
    }
    for (const d of discarded) lines.push(`  - DISCARDED ${d.installer} ${d.phase} ${d.latencyMs} ms round ${d.round}: ${d.canaries.filter((c) => !c.ok).map((c) => `${c.name} (${c.detail})`).join('; ')}`)
  }
  return lines.join('\n')
}

function floorsTable(runs) {
  const lines = ['| project | mirror → fetcher (50 in flight) | tar -xzf all tarballs | cp -al node_modules |', '|---|---|---|---|']
  for (const run of runs) {
    const f = run.floors
    if (!f) continue
    const fetchCell = f.fetch ? `${fmtMs(f.fetch.ms)} for ${f.fetch.count} tarballs, ${Math.round(f.fetch.bytes / 1e6)} MB (${Math.round(f.fetch.mbPerS)} MB/s)` : '—'
    const tarCell = f.tar ? `${fmtMs(f.tar.ms)} (${f.tar.count} tarballs, ${f.tar.parallel} in parallel)` : '—'
    const cpCell = f.cp ? `${fmtMs(f.cp.ms)} (${f.cp.files} files, from ${f.cp.from})` : '—'
    lines.push(`| ${run.project} | ${fetchCell} | ${tarCell} | ${cpCell} |`)
  }
  return lines.join('\n')
}

/** The generated block of bench/README.md, from every project's latest results. */
function renderGenerated(runs) {
  const rows = runs.flatMap((r) => r.summary)
  const env = runs[0] && runs[0].environment
  const cmds = runs.map((r) => `node bench/run.js ${r.argv.join(' ')}`.trim())
  const failures = rows.filter((r) => r.errors.length)
  return [
    '### Ratio table (median wall time; peer ÷ utoo > 1 means utoo is faster)',
    '',
    'Regenerate with:',
    '',
    '```sh',
    ...cmds,
    '```',
    '',
    ratioTable(rows),
    '',
    '### Peak RSS (MB, max over runs)',
    '',
    rssTable(rows),
    '',
    '### Failures (exact error text; utoo p3–p5 then run on npm\'s lockfile)',
    '',
    failures.length ? failures.map((r) => `- ${r.project} ${r.latencyMs} ms ${r.phase} **${r.installer}** (${r.failed}/${r.runs} failed):\n\n  \`\`\`\n  ${r.errors[0].split('\n').join('\n  ')}\n  \`\`\``).join('\n') : 'none',
    '',
    '### Canaries',
    '',
    canaryNotes(runs),
    '',
    '### Floors on this machine',
    '',
    floorsTable(runs),
    '',
    '### utoo line items (medians, ms, from `--reporter ndjson` summary)',
    '',
    utooTable(rows),
    '',
    '### All numbers',
    '',
    detailTable(rows),
    '',
    '### Environment',
    '',
    env ? Object.entries(env).map(([k, v]) => `- ${k}: ${typeof v === 'object' ? JSON.stringify(v) : v}`).join('\n') : '',
    '',
    ...runs.map((r) => `- ${r.project}: recorded closure ${r.closure ? `${r.closure.packages} packages / ${r.closure.lockEntries} lock entries, ${Math.round(r.closure.storeTarballBytes / 1e6)} MB of tarballs in the store` : '?'}; run started ${r.startedAt}, took ${Math.round(r.seconds / 60)} min; runs=${r.options.runs}, latencies=${r.options.latencies.join('/')} ms.`),
  ].join('\n')
}

const START = '<!-- results:start (generated by bench/lib/report.js; edit outside the markers) -->'
const END = '<!-- results:end -->'

function updateReadme() {
  const runs = loadAll()
  if (!runs.length) return false
  const text = fs.existsSync(README) ? fs.readFileSync(README, 'utf8') : `# utoo benchmarks\n\n${START}\n${END}\n`
  const a = text.indexOf(START)
  const b = text.indexOf(END)
  const block = `${START}\n${renderGenerated(runs)}\n${END}`
  const next = a >= 0 && b > a ? text.slice(0, a) + block + text.slice(b + END.length) : text + '\n' + block + '\n'
  fs.writeFileSync(README, next)
  return true
}

module.exports = { summarize, ratioTable, detailTable, utooTable, rssTable, renderGenerated, writeProjectResults, updateReadme, loadAll, median, stdev, toCsv, RESULTS_DIR }

if (require.main === module) {
  console.log(updateReadme() ? 'bench/README.md updated' : 'no results yet')
}
