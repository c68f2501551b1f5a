// Install on demand for the Vite dev server: a bare import that does not resolve is
// installed with utoo's ensureInstalled() (saved to package.json, locked), then resolved
// again, so the page is served instead of "Failed to resolve import".
import { createRequire } from 'node:module'

// `name` or `@scope/name`, then an optional subpath (`lodash/fp`).
const BARE = /^((?:@[a-z0-9][\w.~-]*\/)?[a-z0-9][\w.~-]*)(?:\/.*)?$/i

export default function installOnDemand({ ensureInstalled, options = {} } = {}) {
  const ensure = ensureInstalled ?? createRequire(import.meta.url)('utoo').ensureInstalled
  let root
  let logger
  const say = (line) => logger.info(`[utoo] ${line}`, { timestamp: true })
  return {
    name: 'utoo-install-on-demand',
    apply: 'serve',
    enforce: 'pre',
    configResolved(config) {
      root = config.root
      logger = config.logger
    },
    async resolveId(id, importer, resolveOptions) {
      const name = BARE.exec(id)?.[1]
      if (!name || id.startsWith('node:')) return null
      const again = () => this.resolve(id, importer, { ...resolveOptions, skipSelf: true })
      const found = await again()
      if (found) return found
      say(`${name} is not installed; installing it`)
      const onProgress = (e) => {
        if (e.type === 'phaseEnd') say(`${e.phase} done in ${e.elapsedMs} ms`)
        if (e.type === 'warning') say(`warning ${e.code}: ${e.message}`)
      }
      const result = await ensure([name], { ...options, cwd: root, onProgress })
      say(`installed ${result.installed.join(', ') || 'nothing'}`)
      return again()
    },
  }
}
