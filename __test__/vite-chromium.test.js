'use strict'
// The Vite example end to end: a dev server with the install-on-demand plugin meets an
// import of a package that is not installed, installs it from the fixture registry and
// serves the page, which headless Chromium renders with the string only that package makes.

const assert = require('node:assert/strict')
const fs = require('node:fs')
const os = require('node:os')
const path = require('node:path')
const { pathToFileURL } = require('node:url')
const { test } = require('node:test')

require('./helpers/isolate-config')

const { ensureInstalled } = require('..')
const { startRegistry, pkg } = require('./helpers/registry')

const CHROMIUM = process.env.UTOO_CHROMIUM || '/usr/bin/chromium'
const example = path.join(__dirname, '..', 'examples', 'vite-install-on-demand')
const skip = fs.existsSync(CHROMIUM)
  ? false
  : `no Chromium at ${CHROMIUM} (install it with \`apt-get install -y chromium\`, or set UTOO_CHROMIUM)`

test('Vite installs a missing import on demand and Chromium renders the fresh package', { skip, timeout: 180_000 }, async () => {
  const unique = `fresh-from-utoo-${process.pid}-${Date.now()}`
  // The example imports `nanoid`; the fixture's nanoid returns a string no other code has.
  const registry = await startRegistry([
    pkg('nanoid', '5.0.0', { type: 'module', main: 'index.js' }, {
      'index.js': `export const nanoid = () => ${JSON.stringify(unique)}\n`,
    }),
  ])
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'utoo-vite-'))
  for (const file of ['index.html', 'main.js']) fs.copyFileSync(path.join(example, file), path.join(dir, file))
  // Vite and utoo come from this repository, not from the project's devDependencies.
  const manifest = JSON.parse(fs.readFileSync(path.join(example, 'package.json'), 'utf8'))
  delete manifest.devDependencies
  fs.writeFileSync(path.join(dir, 'package.json'), JSON.stringify(manifest, null, 2) + '\n')
  fs.writeFileSync(path.join(dir, '.npmrc'), `registry=${registry.url}\n`)

  const { createServer, createLogger } = await import('vite')
  const { default: installOnDemand } = await import(pathToFileURL(path.join(example, 'plugin.js')).href)
  const output = []
  const logger = createLogger('info', { allowClearScreen: false })
  for (const level of ['info', 'warn', 'error']) logger[level] = (msg) => output.push(msg)

  let server
  let browser
  try {
    server = await createServer({
      root: dir,
      configFile: false,
      customLogger: logger,
      cacheDir: path.join(dir, '.vite-cache'),
      server: { host: '127.0.0.1', port: 0, hmr: false, watch: null },
      plugins: [installOnDemand({ ensureInstalled, options: { cacheDir: path.join(dir, '.utoo-cache') } })],
    })
    await server.listen()
    const url = server.resolvedUrls.local[0]
    assert.match(url, /^http:\/\/127\.0\.0\.1:\d+\/$/)

    const { chromium } = require('playwright-core')
    browser = await chromium.launch({ executablePath: CHROMIUM, args: ['--no-proxy-server'] })
    const page = await browser.newPage()
    const pageErrors = []
    page.on('pageerror', (e) => pageErrors.push(String(e)))
    await page.goto(url)
    const rendered = await page
      .waitForFunction((s) => document.querySelector('#app')?.textContent.includes(s), unique, { timeout: 90_000 })
      .then(() => page.textContent('#app'))
      .catch((e) => assert.fail(`${e.message}\nserver output:\n${output.join('\n')}\npage errors: ${pageErrors}`))
    assert.equal(rendered, `installed on demand: ${unique}`)

    const log = output.join('\n')
    assert.match(log, /\[utoo\] nanoid is not installed; installing it/, log)
    assert.match(log, /\[utoo\] (resolve|fetch|link) done in \d+ ms/, log)
    assert.match(log, /\[utoo\] installed nanoid@5\.0\.0/, log)
    const saved = JSON.parse(fs.readFileSync(path.join(dir, 'package.json'), 'utf8'))
    assert.equal(saved.dependencies.nanoid, '^5.0.0')
    assert.ok(registry.requests.includes('/nanoid/-/nanoid-5.0.0.tgz'), String(registry.requests))
  } finally {
    await browser?.close()
    await server?.close()
    await registry.close()
    fs.rmSync(dir, { recursive: true, force: true })
  }
})
