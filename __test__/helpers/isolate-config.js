'use strict'
// Required first by tests that call the addon in-process: the addon reads npm's configuration
// chain from this process, so the developer's (and an outer `npm test`'s) settings are kept
// out of it.
const os = require('node:os')
const path = require('node:path')

for (const key of Object.keys(process.env)) {
  if (/^npm_config_/i.test(key)) delete process.env[key]
}
process.env.npm_config_userconfig = path.join(os.tmpdir(), 'utoo-test-no-user-npmrc')
// npm refuses one file as both levels.
process.env.npm_config_globalconfig = path.join(os.tmpdir(), 'utoo-test-no-global-npmrc')
