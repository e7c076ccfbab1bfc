// Creating and checking the store directory. Whoever can write the directory can delete, replace or
// roll back files in it: the MAC and the marks detect that, but only as a denial of service that locks
// the user out of their accounts. So the directory must be writable by its owner alone, and that owner
// must be this user (or root, who can write anything anyway), the same rule OpenSSH's StrictModes
// applies to ~/.ssh.
import { chmod, mkdir, rmdir, stat } from 'node:fs/promises'
import { dirname, relative } from 'node:path'
import { ErrorCode, SdkError } from '@mua-sts/core'
import { errnoOf, io } from '../store-errors.js'

const GROUP_OR_OTHER_WRITE = 0o022
const STICKY = 0o1000

function insecure(dir: string, reason: string, mode: number, owner: number): SdkError {
  return new SdkError(
    ErrorCode.StoreInsecure,
    `Commitment store directory ${dir} is not private to this user (${reason}); fix its owner and mode (0700) or choose another directory.`,
    { details: { reason, mode: (mode & 0o7777).toString(8), owner } },
  )
}

/**
 * Creates `dir` (mode 0700) if needed and makes sure no other user can write it: a directory that
 * others can write is tightened to 0700 when this user owns it, and refused otherwise. Does I/O. Throws
 * MUASTS_ERR_STORE_INSECURE (owned by another user, or a shared sticky directory such as /tmp, which
 * is never chmod'ed) and MUASTS_ERR_STORE_IO. No-op check on platforms without POSIX owners (Windows).
 * Returns the first directory it created (`dir` or an ancestor), for `removeCreated`.
 */
export async function ensureStoreDir(dir: string): Promise<{ created: string | undefined }> {
  let created: string | undefined
  try {
    created = await mkdir(dir, { recursive: true, mode: 0o700 })
  } catch (error) {
    if (errnoOf(error) !== 'EEXIST') throw io('create directory', error, {}, dir)
  }
  try {
    await checkPrivate(dir)
  } catch (error) {
    await removeCreated(dir, created)
    throw error
  }
  return { created }
}

/**
 * Undoes `ensureStoreDir` after a failed open: removes `dir` and its ancestors up to `created`, each
 * only if it is still empty (rmdir(2) refuses otherwise), so nothing anyone put there is touched.
 * Never throws.
 */
export async function removeCreated(dir: string, created: string | undefined): Promise<void> {
  if (created === undefined || relative(created, dir).startsWith('..')) return
  for (let d = dir; ; d = dirname(d)) {
    try {
      await rmdir(d)
    } catch {
      return // not empty (someone else's files), already gone, or not ours to remove
    }
    if (d === created) return
  }
}

async function checkPrivate(dir: string): Promise<void> {
  const me = process.getuid?.()
  if (me === undefined) return
  let st: Awaited<ReturnType<typeof stat>>
  try {
    st = await stat(dir)
  } catch (error) {
    throw io('stat directory', error, {}, dir)
  }
  if (!st.isDirectory())
    throw io('open directory', Object.assign(new Error('not a directory'), { code: 'ENOTDIR' }), {}, dir)
  const foreignOwner = st.uid !== me && st.uid !== 0
  const othersWrite = (st.mode & GROUP_OR_OTHER_WRITE) !== 0
  if (!foreignOwner && !othersWrite) return
  if (st.uid !== me) {
    throw insecure(dir, foreignOwner ? 'owned by another user' : 'writable by other users', st.mode, st.uid)
  }
  if ((st.mode & STICKY) !== 0) throw insecure(dir, 'a shared sticky directory', st.mode, st.uid)
  try {
    await chmod(dir, 0o700)
  } catch (error) {
    throw io('tighten directory permissions', error, {}, dir)
  }
}
