import { ErrorCode } from '@mua-sts/core'
import { sampleCommitment } from '@mua-sts/core/testing'
import { describe, expect, it } from 'vitest'
import { deriveKeys, mac, newMasterKey } from '../integrity/keys.js'
import { canonicalJson } from './canonical-json.js'
import { type AccountBody, decodeAccountFile, encodeAccountFile, fileIdOf } from './store-file.js'

const keys = deriveKeys(newMasterKey())
const body: AccountBody = { account: 'acct_1', seq: 3, commitments: { imap: sampleCommitment() } }
const id = fileIdOf('acct_1')

function signed(unsigned: Record<string, unknown>): Buffer {
  return Buffer.from(`${canonicalJson({ ...unsigned, mac: mac(keys.file, canonicalJson(unsigned)) })}\n`)
}
const unsignedOf = (b: Buffer) => {
  const { mac: _m, ...rest } = JSON.parse(b.toString('utf8'))
  return rest as Record<string, unknown>
}

describe('account file format v1', () => {
  it('round-trips an account body', () => {
    expect(decodeAccountFile(encodeAccountFile(body, keys), id, keys)).toEqual(body)
  })

  it('names files by the SHA-256 of the account reference', () => {
    expect(fileIdOf('acct_1')).toMatch(/^[0-9a-f]{64}$/)
    expect(fileIdOf('acct_1')).not.toBe(fileIdOf('acct_2'))
  })

  it('refuses a file MACed with another key', () => {
    const other = deriveKeys(newMasterKey())
    expect(() => decodeAccountFile(encodeAccountFile(body, other), id, keys)).toThrow(
      expect.objectContaining({ code: ErrorCode.StoreCorrupt, details: { reason: 'MAC mismatch' } }),
    )
  })

  it('refuses a file stored under another account name', () => {
    expect(() => decodeAccountFile(encodeAccountFile(body, keys), fileIdOf('acct_2'), keys)).toThrow(
      expect.objectContaining({ code: ErrorCode.StoreCorrupt }),
    )
  })

  it('refuses an unknown format version even with a valid MAC', () => {
    const unsigned = { ...unsignedOf(encodeAccountFile(body, keys)), version: 2 }
    expect(() => decodeAccountFile(signed(unsigned), id, keys)).toThrow(
      expect.objectContaining({ code: ErrorCode.StoreCorrupt, message: expect.stringContaining('unknown') }),
    )
  })

  it('refuses a MAC-valid file whose commitment belongs to another account or service', () => {
    const wrongService = {
      ...unsignedOf(encodeAccountFile(body, keys)),
      commitments: { pop3: sampleCommitment() },
    }
    expect(() => decodeAccountFile(signed(wrongService), id, keys)).toThrow(
      expect.objectContaining({ code: ErrorCode.StoreCorrupt }),
    )
    const wrongAccount = {
      ...unsignedOf(encodeAccountFile(body, keys)),
      commitments: { imap: sampleCommitment({ account: 'acct_2' }) },
    }
    expect(() => decodeAccountFile(signed(wrongAccount), id, keys)).toThrow(
      expect.objectContaining({ code: ErrorCode.StoreCorrupt }),
    )
  })

  it('refuses a MAC-valid file with wrong types', () => {
    const unsigned = { ...unsignedOf(encodeAccountFile(body, keys)), seq: '3' }
    expect(() => decodeAccountFile(signed(unsigned), id, keys)).toThrow(
      expect.objectContaining({
        code: ErrorCode.StoreCorrupt,
        details: { reason: 'schema validation failed' },
      }),
    )
  })

  it('refuses the same content with different whitespace (only the canonical bytes are valid)', () => {
    const pretty = Buffer.from(
      `${JSON.stringify(JSON.parse(encodeAccountFile(body, keys).toString()), null, 2)}\n`,
    )
    expect(() => decodeAccountFile(pretty, id, keys)).toThrow(
      expect.objectContaining({ details: { reason: 'file is not in canonical form' } }),
    )
  })

  it('refuses a file without a MAC when a key is in use, and a MACed file when none is', () => {
    expect(() => decodeAccountFile(encodeAccountFile(body, null), id, keys)).toThrow(
      expect.objectContaining({ code: ErrorCode.StoreCorrupt, details: { reason: 'file has no MAC' } }),
    )
    expect(() => decodeAccountFile(encodeAccountFile(body, keys), id, null)).toThrow(
      expect.objectContaining({ code: ErrorCode.StoreCorrupt }),
    )
    expect(decodeAccountFile(encodeAccountFile(body, null), id, null)).toEqual(body)
  })

  it.each([
    ['invalid UTF-8', Buffer.from([0x7b, 0xff, 0x7d])],
    ['malformed JSON', Buffer.from('{"format":')],
    ['a JSON array', Buffer.from('[]\n')],
    ['an empty file', Buffer.alloc(0)],
    ['another JSON document', Buffer.from('{"hello":"world"}\n')],
  ])('refuses %s as corrupt', (_name, bytes) => {
    expect(() => decodeAccountFile(bytes, id, keys)).toThrow(
      expect.objectContaining({ code: ErrorCode.StoreCorrupt }),
    )
  })
})
