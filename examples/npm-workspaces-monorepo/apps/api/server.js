'use strict'
const express = require('express')
const { z } = require('zod')
const log = require('@acme/logger')

const app = express()
const Item = z.object({ name: z.string() })
app.use(express.json())
app.post('/items', (req, res) => {
  const parsed = Item.safeParse(req.body)
  if (!parsed.success) return res.status(400).json(parsed.error.issues)
  log.info({ item: parsed.data }, 'created')
  res.status(201).json(parsed.data)
})
if (require.main === module) app.listen(process.env.PORT || 3000)
module.exports = app
