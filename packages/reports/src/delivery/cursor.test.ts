import { mkdtempSync, readdirSync, readFileSync, writeFileSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { describe, expect, it } from 'vitest'
import { emptyCursor, loadCursor, pruneCursor, saveCursor } from './cursor.js'

const ID = 'a'.repeat(32)
const OTHER = 'b'.repeat(32)

describe('delivery cursor', () => {
  it('starts empty on a first run and round-trips through an atomic save', async () => {
    const dir = mkdtempSync(join(tmpdir(), 'mua-sts-cursor-'))
    const path = join(dir, 'delivery-cursor.json')
    expect(loadCursor(path, ID)).toEqual({ cursor: emptyCursor(ID), reset: undefined })
    const cursor = { version: 1 as const, outboxId: ID, offsets: { '1': 4096, '2': 17 } }
    await saveCursor(path, cursor)
    expect(loadCursor(path, ID)).toEqual({ cursor, reset: undefined })
    expect(readdirSync(dir)).toEqual(['delivery-cursor.json'])
  })

  it('restarts from the beginning (re-send, never skip) when the cursor is corrupt or foreign', async () => {
    const dir = mkdtempSync(join(tmpdir(), 'mua-sts-cursor-'))
    const path = join(dir, 'delivery-cursor.json')
    writeFileSync(path, '{"version":1,"outboxId":')
    expect(loadCursor(path, ID)).toEqual({ cursor: emptyCursor(ID), reset: 'cursor is not JSON' })
    writeFileSync(path, JSON.stringify({ version: 1, outboxId: ID, offsets: { '1': -5 } }))
    expect(loadCursor(path, ID).reset).toBe('cursor failed its schema')
    await saveCursor(path, { version: 1, outboxId: OTHER, offsets: { '1': 10 } })
    expect(loadCursor(path, ID)).toEqual({
      cursor: emptyCursor(ID),
      reset: 'cursor belongs to a different outbox',
    })
    expect(JSON.parse(readFileSync(path, 'utf8')).outboxId).toBe(OTHER)
  })

  it('forgets offsets of segments that were dropped', () => {
    const cursor = { version: 1 as const, outboxId: ID, offsets: { '1': 5, '2': 6, '3': 7 } }
    expect(pruneCursor(cursor, [2, 3, 4]).offsets).toEqual({ '2': 6, '3': 7 })
  })
})
