import { fileURLToPath } from 'node:url'
import react from '@vitejs/plugin-react'
import { defineConfig } from 'vite'

const root = fileURLToPath(new URL('.', import.meta.url))
const source = (path: string) => fileURLToPath(new URL(path, import.meta.url))

// Built into dist/web, which the JIM server serves at /. The SDK and the protocol are bundled
// from their sources (no need to build packages/*/dist first).
export default defineConfig({
  root,
  plugins: [react()],
  resolve: {
    alias: {
      '@jim/protocol': source('../packages/protocol/src/index.ts'),
      '@jim/client': source('../packages/client/src/index.ts'),
    },
  },
  build: { outDir: fileURLToPath(new URL('../dist/web', import.meta.url)), emptyOutDir: true, sourcemap: true },
  server: { proxy: { '/api': { target: 'http://localhost:8080', ws: true } } },
})
