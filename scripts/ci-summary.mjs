// Prints the plain "N passed, N failed" line CI reads, from vitest's JSON reports.
// Usage: ci-summary.mjs <report> <failed steps> <exit code> [<report> <exit code>]...
// (the later pairs are further test runs, e.g. the suite on Node 24). Failed CI steps (lint,
// type-check, build) count as failures too.
import { readFileSync } from 'node:fs'

const [file = 'test-results/vitest.json', extraFailures = '0', testExitCode = '0', ...more] = process.argv.slice(2)
const runs = [[file, testExitCode]]
for (let i = 0; i + 1 < more.length; i += 2) runs.push([more[i], more[i + 1]])

let passed = 0
let failed = Number(extraFailures) || 0
let skipped = 0
for (const [report, exitCode] of runs) {
  let runFailed = 0
  try {
    const r = JSON.parse(readFileSync(report, 'utf8'))
    passed += r.numPassedTests ?? 0
    runFailed += (r.numFailedTests ?? 0) + (r.numRuntimeErrorTestSuites ?? 0)
    skipped += (r.numPendingTests ?? 0) + (r.numTodoTests ?? 0)
    if (r.numTotalTests === 0) runFailed += 1
  } catch (err) {
    console.error(`no test report at ${report}: ${err.message}`)
    runFailed += 1
  }
  // the runner failed (e.g. unhandled errors) although no test did: that is a failure too
  if (Number(exitCode) !== 0 && runFailed === 0) {
    console.error(`the test runner of ${report} exited with ${exitCode} (unhandled errors?): counted as a failure`)
    runFailed = 1
  }
  failed += runFailed
}
console.log(`${passed} passed, ${failed} failed, ${skipped} skipped`)
process.exit(failed > 0 ? 1 : 0)
