// `npm run size`: the browser bundle of a training script (examples/browser/digits.ts), minified, and
// its gzipped size against the budget; `kiln/node` (src/node/) must not be in it.
import { BUDGET_GZIP_BYTES, bundleExample } from './bundle.js'

const b = await bundleExample('esm')
const kiln = b.inputs.filter((p) => p.startsWith('src/'))
const node = kiln.filter((p) => p.startsWith('src/node/'))
const deps = [...new Set(b.inputs.filter((p) => p.startsWith('node_modules/')).map((p) => p.split('/').slice(1, p.split('/')[1]!.startsWith('@') ? 3 : 2).join('/')))]
console.log(`examples/browser/digits.ts bundled for the browser (esbuild, minified): ${b.bytes} bytes, ${b.gzipBytes} bytes gzipped (budget ${BUDGET_GZIP_BYTES})`)
console.log(`  ${kiln.length} Kiln modules; dependencies: ${deps.join(', ')}; kiln/node modules: ${node.length === 0 ? 'none' : node.join(', ')}`)
if (b.gzipBytes > BUDGET_GZIP_BYTES || node.length > 0) {
  console.error('over budget or kiln/node included')
  process.exitCode = 1
}
