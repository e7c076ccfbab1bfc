// LineReader: framing independent of TCP segmentation, bounded lines, exact `buffered` accounting
// (the injection check depends on it), and every read ending with the probe's signal.
import { PassThrough } from 'node:stream'
import fc from 'fast-check'
import { describe, expect, it } from 'vitest'
import { ProbeFailure } from './failure.js'
import { LineReader } from './line-reader.js'

async function readAll(reader: LineReader, n: number): Promise<string[]> {
  const out: string[] = []
  for (let i = 0; i < n; i++) out.push(await reader.next())
  return out
}

function chunked(bytes: Buffer, cuts: number[]): Buffer[] {
  const points = [...new Set(cuts.map((c) => c % (bytes.length + 1)))].sort((a, b) => a - b)
  const parts: Buffer[] = []
  let at = 0
  for (const p of [...points, bytes.length]) {
    if (p > at) parts.push(bytes.subarray(at, p))
    at = p
  }
  return parts
}

describe('LineReader', () => {
  it('frames lines the same way whatever the segment boundaries (CRLF or bare LF)', async () => {
    const line = fc.stringMatching(/^[\x20-\x7e]{0,40}$/)
    await fc.assert(
      fc.asyncProperty(
        fc.array(line, { minLength: 1, maxLength: 8 }),
        fc.array(fc.nat(400)),
        fc.boolean(),
        async (lines, cuts, crlf) => {
          const stream = new PassThrough()
          const reader = new LineReader(stream, new AbortController().signal)
          const bytes = Buffer.from(lines.map((l) => `${l}${crlf ? '\r\n' : '\n'}`).join(''), 'latin1')
          for (const part of chunked(bytes, cuts)) stream.write(part)
          expect(await readAll(reader, lines.length)).toEqual(lines)
          expect(reader.buffered).toBe(0)
        },
      ),
    )
  })

  it('counts every byte received but not yet handed out', async () => {
    const stream = new PassThrough()
    const reader = new LineReader(stream, new AbortController().signal)
    stream.write('a1 OK go\r\n* injected\r\npartial')
    expect(await reader.next()).toBe('a1 OK go')
    expect(reader.buffered).toBe('* injected\r\npartial'.length)
  })

  it('fails with line_too_long instead of buffering an endless line', async () => {
    const stream = new PassThrough()
    const reader = new LineReader(stream, new AbortController().signal, 64)
    stream.write('x'.repeat(65))
    await expect(reader.next()).rejects.toMatchObject({ code: 'line_too_long' })
  })

  it('rejects a pending read with the signal reason when aborted, and with connection_closed on EOF', async () => {
    const controller = new AbortController()
    const aborted = new LineReader(new PassThrough(), controller.signal)
    const pending = aborted.next()
    controller.abort(new ProbeFailure('superseded', 'stop'))
    await expect(pending).rejects.toMatchObject({ code: 'superseded' })
    const stream = new PassThrough()
    const closed = new LineReader(stream, new AbortController().signal)
    stream.end('no newline')
    await expect(closed.next()).rejects.toMatchObject({ code: 'connection_closed' })
  })

  it('stops consuming after release(), leaving later bytes to whoever takes the socket over', async () => {
    const stream = new PassThrough()
    const reader = new LineReader(stream, new AbortController().signal)
    stream.write('one\r\n')
    expect(await reader.next()).toBe('one')
    reader.release()
    stream.write('two\r\n')
    expect(stream.read()?.toString()).toBe('two\r\n')
  })
})
