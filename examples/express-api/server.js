'use strict'
// Loads every dependency: `node server.js --check` proves the installed tree works.
const express = require('express')
const cors = require('cors')
require('dotenv').config()
const { z } = require('zod')
const pino = require('pino')
const { v4: uuid } = require('uuid')

const app = express()
app.use(cors())
app.get('/id', (_req, res) => res.json({ id: uuid(), ok: z.string().parse('yes') }))

if (process.argv.includes('--check')) {
  pino({ level: 'silent' }).info('loaded')
  console.log('all dependencies load')
} else {
  app.listen(process.env.PORT || 3000)
}
