import { defineConfig } from 'vite'
import installOnDemand from './plugin.js'

export default defineConfig({ plugins: [installOnDemand()] })
