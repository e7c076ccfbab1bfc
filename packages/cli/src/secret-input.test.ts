// The secret readers with plain streams (no pseudo-terminal is available in CI): what is typed never
// reaches the output stream, editing keys work, and every way of not finishing is a coded error.
import { PassThrough } from 'node:stream'
import { isSdkError } from '@mua-sts/core'
import fc from 'fast-check'
import { describe, expect, it } from 'vitest'
import { UsageError } from './exit.js'
import { MAX_SECRET_CHARS, readFirstLine, readHiddenLine, type SecretSource } from './secret-input.js'

function terminal(tty: boolean) {
  const input = new PassThrough() as PassThrough & SecretSource
  const modes: boolean[] = []
  if (tty) {
    input.isTTY = true
    input.setRawMode = (mode: boolean) => modes.push(mode)
  }
  const output = new PassThrough()
  const shown: string[] = []
  output.on('data', (d: Buffer) => shown.push(d.toString()))
  return { input, output, shown, modes }
}

describe('readHiddenLine', () => {
  it('reads up to Enter in raw mode, echoes nothing of the secret, and restores the terminal', async () => {
    const t = terminal(true)
    const read = readHiddenLine(t.input, t.output, 'Password: ')
    t.input.write('s3cr')
    t.input.write('et!\r')
    await expect(read).resolves.toBe('s3cret!')
    expect(t.shown.join('')).toBe('Password: \n')
    expect(t.modes).toEqual([true, false])
  })

  it('handles backspace and Ctrl-U', async () => {
    const t = terminal(true)
    const read = readHiddenLine(t.input, t.output, '> ')
    t.input.write('wrong\u0015pas\u007fss\bs\n')
    await expect(read).resolves.toBe('pass')
  })

  it('rejects Ctrl-C as aborted and Ctrl-D or end of input as a usage error, restoring raw mode', async () => {
    const c = terminal(true)
    const cancelled = readHiddenLine(c.input, c.output, '> ')
    c.input.write('abc\u0003')
    await expect(cancelled).rejects.toSatisfy((e) => isSdkError(e, 'MUASTS_ERR_ABORTED'))
    expect(c.modes).toEqual([true, false])
    const d = terminal(true)
    const ended = readHiddenLine(d.input, d.output, '> ')
    d.input.write('abc\u0004')
    await expect(ended).rejects.toBeInstanceOf(UsageError)
    const e = terminal(false)
    const eof = readHiddenLine(e.input, e.output, '> ')
    e.input.end('abc')
    await expect(eof).rejects.toThrow('input ended before Enter')
  })

  it('refuses an empty or an over-long secret', async () => {
    const t = terminal(false)
    const empty = readHiddenLine(t.input, t.output, '> ')
    t.input.write('\n')
    await expect(empty).rejects.toThrow('password: empty input')
    const u = terminal(false)
    const long = readHiddenLine(u.input, u.output, '> ')
    u.input.write(`${'x'.repeat(MAX_SECRET_CHARS + 2)}\n`)
    await expect(long).rejects.toThrow('longer than')
  })

  it('never writes any typed character to the output (property)', async () => {
    await fc.assert(
      fc.asyncProperty(
        fc.string({ minLength: 1, maxLength: 64 }).filter((s) => !/[\r\n\u0003\u0004\u0015\u007f\b]/.test(s)),
        async (secret) => {
          const t = terminal(true)
          const read = readHiddenLine(t.input, t.output, 'P: ')
          t.input.write(`${secret}\r`)
          expect(await read).toBe(secret)
          expect(t.shown.join('')).toBe('P: \n')
        },
      ),
      { numRuns: 50 },
    )
  })
})

describe('readFirstLine (--password-stdin)', () => {
  it('takes the first line without its line ending and drains the rest', async () => {
    const input = new PassThrough()
    const read = readFirstLine(input)
    input.write('pa ss word \r\n')
    input.end('second line\n')
    await expect(read).resolves.toBe('pa ss word ')
  })

  it('accepts input without a final newline, refuses empty input and a flood', async () => {
    const a = new PassThrough()
    const one = readFirstLine(a)
    a.end('secret')
    await expect(one).resolves.toBe('secret')
    const b = new PassThrough()
    const none = readFirstLine(b, 'keychain passphrase')
    b.end('')
    await expect(none).rejects.toThrow('keychain passphrase: empty input')
    const c = new PassThrough()
    const flood = readFirstLine(c)
    c.end(Buffer.alloc(70 * 1024, 0x61))
    await expect(flood).rejects.toThrow('more than')
  })
})
