// File primitives with the properties the store relies on:
//   - reads never follow a symlink (an attacker-planted link could point the store at any file), never
//     block on a FIFO, and never load more than a cap (a huge file fails before it is read);
//   - writes are atomic and durable: temp file, fsync, rename, fsync of the directory, so a crash at any
//     point leaves either the old or the new file, never a torn one (rename(2) is atomic on POSIX).
import {
  type BigIntStats,
  closeSync,
  constants,
  fstatSync,
  fsync,
  lstatSync,
  openSync,
  readSync,
  renameSync,
  rmSync,
  type Stats,
  writeSync,
} from 'node:fs'
import { open, rm } from 'node:fs/promises'
import { join } from 'node:path'
import { promisify } from 'node:util'
import { corrupt, errnoOf, io } from '../store-errors.js'
import { settledAtMs } from './settled.js'

// O_NOFOLLOW / O_NONBLOCK do not exist on Windows; there an lstat check is the guard. O_NONBLOCK keeps
// a FIFO planted in place of a file from blocking the open; the fstat check then refuses it.
const READ_FLAGS = constants.O_RDONLY | (constants.O_NOFOLLOW ?? 0) | (constants.O_NONBLOCK ?? 0)

function refuseNonFile(st: Stats | BigIntStats, name: string): void {
  if (st.isSymbolicLink()) throw corrupt('a symlink is in place of a store file', { file: name })
  if (!st.isFile()) throw corrupt('a store file is not a regular file', { file: name })
}

/**
 * Stat identity used by the read cache. `key` changes with any rewrite, except one made within the same
 * timestamp tick as the version it replaces (file times are coarse, and inode numbers are reused); so a
 * cache may only trust a key once the wall clock is past `settledAtMs` (see settled.ts).
 */
export type FileIdentity = { readonly key: string; readonly settledAtMs: number }

function identityOfStats(st: BigIntStats): FileIdentity {
  return { key: `${st.dev}:${st.ino}:${st.size}:${st.mtimeNs}:${st.ctimeNs}`, settledAtMs: settledAtMs(st) }
}

/**
 * Reads `dir/name` whole with its identity, or returns undefined if it does not exist. Does I/O with
 * synchronous syscalls: store files are small and capped, and the promise-based file API costs ten times
 * more than the reads themselves when 10,000 files are opened (callers yield between files). Throws
 * MUASTS_ERR_STORE_CORRUPT for a symlink, a non-regular file or a file larger than `maxBytes` (checked
 * before reading, and again while reading in case it grows), MUASTS_ERR_STORE_IO for other failures.
 */
export function readCapped(
  dir: string,
  name: string,
  maxBytes: number,
): { bytes: Buffer; identity: FileIdentity } | undefined {
  const path = join(dir, name)
  let fd: number
  try {
    // Where O_NOFOLLOW exists the open itself refuses a symlink (ELOOP); elsewhere check first.
    if (constants.O_NOFOLLOW === undefined) refuseNonFile(lstatSync(path), name)
    fd = openSync(path, READ_FLAGS)
  } catch (error) {
    const errno = errnoOf(error)
    if (errno === 'ENOENT') return undefined
    if (errno === 'ELOOP') throw corrupt('a symlink is in place of a store file', { file: name })
    if (errno === undefined) throw error
    throw io('read', error, { file: name }, path)
  }
  try {
    const st = fstatSync(fd, { bigint: true })
    refuseNonFile(st, name)
    if (st.size > BigInt(maxBytes))
      throw corrupt('store file exceeds the size limit', { file: name, maxBytes })
    // One byte more than fstat reported: filling it means the file grew under our descriptor, i.e. it is
    // being written in place, which the store never does (it renames). A short read means end of file.
    const buf = Buffer.allocUnsafe(Number(st.size) + 1)
    let total = 0
    for (;;) {
      const bytesRead = readSync(fd, buf, total, buf.length - total, total)
      total += bytesRead
      if (total === buf.length) throw corrupt('store file grew while it was read', { file: name })
      if (bytesRead === 0 || total === buf.length - 1) break
    }
    return { bytes: buf.subarray(0, total), identity: identityOfStats(st) }
  } catch (error) {
    if (errnoOf(error) === undefined) throw error
    throw io('read', error, { file: name }, path)
  } finally {
    closeSync(fd)
  }
}

/**
 * Atomically replaces `dir/name` with `bytes` (mode 0600). Does I/O. `beforeCommit` runs after the data
 * is durable and immediately before the rename (the store checks that it still holds its lock there).
 * Throws MUASTS_ERR_STORE_IO; on any failure the old file is untouched and the temp file removed.
 */
export async function writeAtomic(
  dir: string,
  name: string,
  bytes: Uint8Array,
  beforeCommit: () => Promise<void> = async () => {},
): Promise<void> {
  // One fixed temp name per target is safe because all writers hold the store lock; a leftover from a
  // crashed writer is removed first, and 'wx' (O_EXCL) never follows a symlink planted there.
  const tmp = join(dir, `.${name}.tmp`)
  // Only the fsyncs wait for the disk and run in the thread pool; the other calls are short syscalls on
  // a small capped file, made synchronously as reads are (readCapped), so that a durable write costs two
  // trips through the event loop instead of ten (each one more chance to wait on a busy machine).
  try {
    rmSync(tmp, { force: true })
    const fd = openSync(tmp, 'wx', 0o600)
    try {
      for (let done = 0; done < bytes.length; ) done += writeSync(fd, bytes, done)
      await fsyncFd(fd)
    } finally {
      closeSync(fd)
    }
    await beforeCommit()
    renameSync(tmp, join(dir, name))
  } catch (error) {
    await rm(tmp, { force: true }).catch(() => {})
    if (errnoOf(error) === undefined) throw error
    throw io('write', error, { file: name }, tmp)
  }
  await syncDir(dir)
}

const fsyncFd = promisify(fsync)

/** fsyncs a directory so that a rename in it survives power loss. No-op where directories cannot be opened. */
export async function syncDir(dir: string): Promise<void> {
  if (process.platform === 'win32') return // NTFS journals the rename; directories cannot be fsynced there.
  try {
    const fd = openSync(dir, constants.O_RDONLY | (constants.O_DIRECTORY ?? 0))
    try {
      await fsyncFd(fd)
    } finally {
      closeSync(fd)
    }
  } catch (error) {
    throw io('fsync directory', error, {}, dir)
  }
}

/**
 * lstat-based identity of `dir/name`, undefined if missing (one synchronous syscall: this is the whole
 * cost of a warm lookup). Throws MUASTS_ERR_STORE_CORRUPT for a symlink.
 */
export function identityOf(dir: string, name: string): FileIdentity | undefined {
  try {
    const st = lstatSync(join(dir, name), { bigint: true })
    if (st.isSymbolicLink()) throw corrupt('a symlink is in place of a store file', { file: name })
    return identityOfStats(st)
  } catch (error) {
    if (errnoOf(error) === 'ENOENT') return undefined
    if (errnoOf(error) === undefined) throw error
    throw io('stat', error, { file: name }, join(dir, name))
  }
}

const APPEND_FLAGS = constants.O_WRONLY | constants.O_APPEND | constants.O_CREAT | (constants.O_NOFOLLOW ?? 0)

/**
 * Appends `bytes` to `dir/name` and fsyncs it (and the directory when the file is new). If `keepBytes`
 * is given the file is first cut to that length (drops a torn tail left by a crashed append). Does I/O.
 * Throws MUASTS_ERR_STORE_CORRUPT for a symlink or non-regular file, MUASTS_ERR_STORE_IO otherwise.
 */
export async function appendDurable(
  dir: string,
  name: string,
  bytes: Uint8Array,
  keepBytes?: number,
): Promise<void> {
  let created = false
  try {
    const handle = await open(join(dir, name), APPEND_FLAGS, 0o600)
    try {
      const st = await handle.stat()
      refuseNonFile(st, name)
      created = st.size === 0
      if (keepBytes !== undefined && keepBytes < st.size) await handle.truncate(keepBytes)
      await handle.write(bytes)
      await handle.sync()
    } finally {
      await handle.close()
    }
  } catch (error) {
    if (errnoOf(error) === 'ELOOP') throw corrupt('a symlink is in place of a store file', { file: name })
    if (errnoOf(error) === undefined) throw error
    throw io('append', error, { file: name }, join(dir, name))
  }
  if (created) await syncDir(dir)
}
