// Prints the plain "N passed, N failed" line CI reads, from vitest's JSON report.
// Failed CI steps (lint, type-check, build) count as failures too.
import { readFileSync } from 'node:fs'

const [file = 'test-results/vitest.json', extraFailures = '0'] = process.argv.slice(2)
let passed = 0
let failed = Number(extraFailures) || 0
let skipped = 0
try {
  const report = JSON.parse(readFileSync(file, 'utf8'))
  passed = report.numPassedTests ?? 0
  failed += (report.numFailedTests ?? 0) + (report.numRuntimeErrorTestSuites ?? 0)
  skipped = (report.numPendingTests ?? 0) + (report.numTodoTests ?? 0)
  if (report.numTotalTests === 0) failed += 1
  // unhandled errors fail the run even when every test passed
  if (report.success === false && failed === 0) {
    console.error('the test run reported unhandled errors (see above)')
    failed += 1
  }
} catch (err) {
  console.error(`no test report at ${file}: ${err.message}`)
  failed += 1
}
console.log(`${passed} passed, ${failed} failed, ${skipped} skipped`)
process.exit(failed > 0 ? 1 : 0)
