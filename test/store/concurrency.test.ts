// N processes each strengthen the same account K times with their own latches, all at once. The store
// must end with the join of everything (zero lost latches) and exactly N×K writes (seq), proving that
// every read-merge-write ran under the lock.
import { readdirSync, readFileSync, writeFileSync } from 'node:fs'
import { join } from 'node:path'
import { FileStore, StoreFileV1Schema } from '@mua-sts/store'
import { afterAll, describe, expect, it } from 'vitest'
import { fileSecrets, LOOP, spawnTsx, tempDir, watch } from './helpers.js'

const N = 4
const K = 15

const tmp = tempDir('concurrency')
afterAll(tmp.remove)

describe('FileStore across processes', () => {
  it(`keeps every latch when ${N} processes × ${K} strengthen one account concurrently`, async () => {
    const dir = join(tmp.dir, 'store')
    const secretsPath = join(tmp.dir, 'secrets.json')
    const go = join(tmp.dir, 'go')
    const env = { ...process.env, MUASTS_TEST_GO: go }
    const children = Array.from({ length: N }, (_, n) =>
      watch(spawnTsx(LOOP, [dir, 'file', secretsPath, '0', String(K), 'shared', `p${n}-`, '1000'], env)),
    )
    await Promise.all(children.map((c) => c.waitFor('READY')))
    writeFileSync(go, '')
    const exits = await Promise.all(children.map((c) => c.exited))
    expect(
      exits.map((e) => e.code),
      children.map((c) => c.stderr()).join('\n'),
    ).toEqual(Array(N).fill(0))

    const store = await FileStore.open({ dir, secrets: fileSecrets(secretsPath) })
    const expected = Array.from({ length: N }, (_, n) =>
      Array.from({ length: K }, (_, k) => `p${n}-${k}`),
    ).flat()
    expect((await store.get('shared0', 'imap'))?.latches).toEqual(expected.sort())
    const [file] = readdirSync(dir).filter((f) => /^[0-9a-f]{64}\.json$/.test(f))
    const stored = StoreFileV1Schema.parse(JSON.parse(readFileSync(join(dir, file as string), 'utf8')))
    expect(stored.seq).toBe(N * K)
  }, 60_000)
})
