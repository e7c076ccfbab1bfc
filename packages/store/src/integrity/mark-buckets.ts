// The bucket files of the high-water marks on disk (see marks.ts for the layout and why it is safe):
// `<dir>/marks/<bucket>.<sha256>.marks`, content-addressed, written atomically before the anchor that
// names them. A writer keeps the bucket file the previous anchor named as well as the new one, so a
// lock-free reader holding the previous anchor still finds its file (and retries once if not).
import { mkdir, readdir, rm } from 'node:fs/promises'
import { join } from 'node:path'
import { readCapped, writeAtomic } from '../fs/safe-file.js'
import { errnoOf, io, rollback } from '../store-errors.js'
import { type AccountMarks, bucketHash, encodeBucket, parseBucket } from './marks.js'

/** The directory (inside the store directory) holding the bucket files. */
export const MARKS_DIR = 'marks'
/** Reason of the rollback thrown for a bucket file that is gone (a reader may retry with a fresh anchor). */
export const BUCKET_MISSING = 'a high-water marks bucket named by the keychain is missing'

// 1 million accounts in 256 buckets is ~280 KB per bucket; anything much larger was not written by us.
const MAX_BUCKET_BYTES = 16 * 1024 * 1024
const NAME_RE = /^([0-9a-f]{2})\.([A-Za-z0-9_-]{22})\.marks$/

function fileName(bucket: string, hash: string): string {
  return `${bucket}.${hash}.marks`
}

/**
 * Reads and verifies the bucket the anchor names. Does I/O (synchronous, like account reads). Throws
 * MUASTS_ERR_STORE_ROLLBACK if the file is gone, MUASTS_ERR_STORE_CORRUPT if it is not the anchored one.
 */
export function readBucket(dir: string, bucket: string, hash: string): AccountMarks {
  const file = readCapped(join(dir, MARKS_DIR), fileName(bucket, hash), MAX_BUCKET_BYTES)
  if (file === undefined) throw rollback(BUCKET_MISSING, { bucket })
  return parseBucket(file.bytes, bucket, hash)
}

/**
 * Writes a bucket file durably (temp, fsync, rename, directory fsync) and returns its hash. Call under
 * the store lock, before the anchor names it. Throws MUASTS_ERR_STORE_IO.
 */
export async function writeBucket(
  dir: string,
  bucket: string,
  accounts: AccountMarks,
  beforeCommit?: () => Promise<void>,
): Promise<string> {
  const bytes = encodeBucket(bucket, accounts)
  const hash = bucketHash(bytes)
  const marksDir = join(dir, MARKS_DIR)
  await mkdir(marksDir, { recursive: true, mode: 0o700 }).catch((error: unknown) => {
    throw io('create marks directory', error)
  })
  await writeAtomic(marksDir, fileName(bucket, hash), bytes, beforeCommit)
  return hash
}

/**
 * Removes the files of `bucket` other than `keep` (superseded versions, and leftovers of an interrupted
 * write). Call under the store lock, after the anchor is written. Best effort: a file left behind is
 * never read (nothing names it), so a failure here is not an error.
 */
export async function pruneBucket(dir: string, bucket: string, keep: readonly string[]): Promise<void> {
  const marksDir = join(dir, MARKS_DIR)
  let names: string[]
  try {
    names = await readdir(marksDir)
  } catch {
    return
  }
  for (const name of names) {
    const m = NAME_RE.exec(name)
    if (m === null || m[1] !== bucket || keep.includes(m[2] as string)) continue
    await rm(join(marksDir, name), { force: true }).catch((error: unknown) => {
      if (errnoOf(error) === undefined) throw error
    })
  }
}
