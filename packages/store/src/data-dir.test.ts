import { homedir } from 'node:os'
import { posix, win32 } from 'node:path'
import { ErrorCode, isSdkError } from '@mua-sts/core'
import fc from 'fast-check'
import { describe, expect, it } from 'vitest'
import { type DataDirEnvironment, dataDirFor, perUserDataDir } from './data-dir.js'

const at = (
  platform: NodeJS.Platform,
  env: Record<string, string> = {},
  home = '/home/ann',
): DataDirEnvironment => ({
  platform,
  env,
  homedir: home,
})

describe('dataDirFor: the per-user data directory (same layout as env-paths, so existing stores stay put)', () => {
  it('uses ~/Library/Application Support on macOS', () => {
    expect(dataDirFor('mua-sts', at('darwin', {}, '/Users/ann'))).toBe(
      '/Users/ann/Library/Application Support/mua-sts',
    )
  })

  it('uses %LOCALAPPDATA%\\<name>\\Data on Windows, falling back to the profile', () => {
    const home = 'C:\\Users\\ann'
    expect(dataDirFor('mua-sts', at('win32', { LOCALAPPDATA: 'D:\\Local' }, home))).toBe(
      'D:\\Local\\mua-sts\\Data',
    )
    expect(dataDirFor('mua-sts', at('win32', {}, home))).toBe('C:\\Users\\ann\\AppData\\Local\\mua-sts\\Data')
  })

  it('honours an absolute XDG_DATA_HOME on Linux and falls back to ~/.local/share', () => {
    expect(dataDirFor('mua-sts', at('linux', { XDG_DATA_HOME: '/data/ann' }))).toBe('/data/ann/mua-sts')
    expect(dataDirFor('mua-sts', at('linux'))).toBe('/home/ann/.local/share/mua-sts')
    expect(dataDirFor('mua-sts', at('freebsd', { XDG_DATA_HOME: '' }))).toBe('/home/ann/.local/share/mua-sts')
  })

  it('ignores a relative XDG_DATA_HOME or LOCALAPPDATA (XDG basedir spec), never resolving against the cwd', () => {
    expect(dataDirFor('mua-sts', at('linux', { XDG_DATA_HOME: 'rel/data' }))).toBe(
      '/home/ann/.local/share/mua-sts',
    )
    expect(dataDirFor('x', at('win32', { LOCALAPPDATA: 'Local' }, 'C:\\Users\\ann'))).toBe(
      'C:\\Users\\ann\\AppData\\Local\\x\\Data',
    )
  })

  it('fails with a coded option error naming dir when there is no absolute home to fall back to', () => {
    for (const e of [at('linux', {}, ''), at('darwin', {}, 'relative'), at('win32', {}, '')]) {
      let thrown: unknown
      try {
        dataDirFor('mua-sts', e)
      } catch (error) {
        thrown = error
      }
      expect(isSdkError(thrown, ErrorCode.InvalidOption)).toBe(true)
      expect((thrown as Error).message).toMatch(/^FileStore options\.dir: .*pass dir explicitly$/)
    }
  })

  it('always returns an absolute path that ends in the name, whatever the environment holds', () => {
    const value = fc.option(fc.oneof(fc.string(), fc.constantFrom('/abs/x', 'C:\\abs', '\\\\srv\\share')), {
      nil: undefined,
    })
    fc.assert(
      fc.property(
        fc.constantFrom<NodeJS.Platform>('linux', 'darwin', 'win32', 'freebsd'),
        value,
        value,
        fc.constantFrom('/home/ann', 'C:\\Users\\ann'),
        (platform, xdg, local, home) => {
          const env = { XDG_DATA_HOME: xdg, LOCALAPPDATA: local }
          const path = platform === 'win32' ? win32 : posix
          let dir: string
          try {
            dir = dataDirFor('mua-sts', { platform, env, homedir: home })
          } catch (error) {
            // Only a home that is not absolute on this platform (a Windows path on a Unix) may fail.
            expect(isSdkError(error, ErrorCode.InvalidOption)).toBe(true)
            expect(path.isAbsolute(home)).toBe(false)
            return
          }
          expect(path.isAbsolute(dir)).toBe(true)
          expect(dir.split(path.sep)).toContain('mua-sts')
        },
      ),
    )
  })

  it('reads the running process for perUserDataDir', () => {
    const expected = dataDirFor('mua-sts', {
      platform: process.platform,
      env: process.env,
      homedir: homedir(),
    })
    expect(perUserDataDir('mua-sts')).toBe(expected)
  })
})
