// Prints the plain "N passed, N failed" line CI reads, from vitest's JSON report.
// Failed CI steps (lint, type-check, build) count as failures too.
import { readFileSync } from 'node:fs'

const [file = 'test-results/vitest.json', extraFailures = '0', testExitCode = '0'] = process.argv.slice(2)
let passed = 0
let failed = Number(extraFailures) || 0
let skipped = 0
try {
  const report = JSON.parse(readFileSync(file, 'utf8'))
  passed = report.numPassedTests ?? 0
  failed += (report.numFailedTests ?? 0) + (report.numRuntimeErrorTestSuites ?? 0)
  skipped = (report.numPendingTests ?? 0) + (report.numTodoTests ?? 0)
  if (report.numTotalTests === 0) failed += 1
} catch (err) {
  console.error(`no test report at ${file}: ${err.message}`)
  failed += 1
}
// the runner failed (e.g. unhandled errors) although no test did: that is a failure too
if (Number(testExitCode) !== 0 && failed === 0) {
  console.error(`the test runner exited with ${testExitCode} (unhandled errors?): counted as a failure`)
  failed = 1
}
console.log(`${passed} passed, ${failed} failed, ${skipped} skipped`)
process.exit(failed > 0 ? 1 : 0)
