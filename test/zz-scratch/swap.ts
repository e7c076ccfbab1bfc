import { testPki } from '../support/certs.js'
import { startDovecot } from '../support/dovecot.js'
const pki = testPki()
for (let k = 0; k < 3; k++) {
  let t = performance.now()
  const d = await startDovecot({ leaf: pki.good })
  const start = performance.now() - t
  t = performance.now(); await d.swapCertificate(pki.otherCa); const swap = performance.now() - t
  t = performance.now(); await d.swapCertificate(pki.good); const swap2 = performance.now() - t
  t = performance.now(); await d.stop(); const stop = performance.now() - t
  console.log({ start: start.toFixed(0), swap: swap.toFixed(0), swap2: swap2.toFixed(0), stop: stop.toFixed(0) })
}
// parallel 4
let t = performance.now()
const ds = await Promise.all([1,2,3,4].map(() => startDovecot({ leaf: pki.good })))
console.log('4 parallel start', (performance.now()-t).toFixed(0))
await Promise.all(ds.map(d => d.stop()))
