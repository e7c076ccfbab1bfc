import { mkdtempSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { FileStore, MemorySecretStore } from '@mua-sts/store'
import { buildStore } from './fixture.js'

const dir = mkdtempSync(join(tmpdir(), 'bench-'))
const secrets = new MemorySecretStore()
await buildStore(dir, secrets, 10000)
await new Promise((r) => setTimeout(r, 200))
for (let r = 0; r < 5; r++) {
  const t = performance.now()
  const s = await FileStore.open({ dir, secrets })
  const t1 = performance.now()
  const all = await s.list()
  console.log('open', (t1 - t).toFixed(0), 'list', (performance.now() - t1).toFixed(0), all.length)
}
