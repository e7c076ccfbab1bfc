import { createHash } from 'node:crypto'
import { EvidenceSchema, MAX_EVIDENCE } from '@mua-sts/core'
import { describe, expect, it } from 'vitest'
import { EvidenceLog, evidenceOf } from './evidence.js'

describe('evidenceOf()', () => {
  it('keeps kind, size and SHA-256 of the raw bytes, never the bytes', () => {
    const raw = Buffer.from('* CAPABILITY IDLE <img/src=x>\r\n', 'latin1')
    const e = evidenceOf('capability', raw)
    expect(EvidenceSchema.parse(e)).toEqual({
      kind: 'CAPABILITY',
      bytes: raw.length,
      sha256: createHash('sha256').update(raw).digest('hex'),
    })
    expect(JSON.stringify(e)).not.toMatch(/IDLE|img/)
    expect(evidenceOf('HACKED', 'x').kind).toBe('line')
  })

  it('caps a log at MAX_EVIDENCE items and counts the rest', () => {
    const log = new EvidenceLog()
    for (let i = 0; i < MAX_EVIDENCE + 3; i++) log.add('bytes', Buffer.from([i]))
    expect(log.items).toHaveLength(MAX_EVIDENCE)
    expect(log.dropped).toBe(3)
  })
})
