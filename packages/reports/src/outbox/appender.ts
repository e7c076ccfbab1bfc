// Appends frames to the newest segment, durably, from any number of processes at once, without a lock:
//
// - Each frame is ONE write(2) on an O_APPEND descriptor. Linux holds the inode lock for the whole write
//   to a regular file, so appends from different processes never interleave. A fatal signal can still cut
//   a write short between page-sized chunks; the reader resyncs on the next frame (see frame.ts).
// - fdatasync before returning: the guarded call only rejects after its report is on disk.
// - Rotation needs no lock: the next segment is created with O_EXCL, so exactly one process creates each
//   sequence number and the others follow it (they look for `seq + 1` before every append, one stat).
// - Only the oldest segments are ever deleted, and only when there are more than `maxSegments`. The
//   deleting process renames the file first (exactly one rename succeeds), then counts it, records the
//   count durably, deletes it and announces it on `mua-sts:outbox` (drop.ts: a crash in between is
//   announced by the next process that opens the outbox). A process that was still appending to a segment being dropped notices
//   after its fsync (the path no longer names its inode) and appends the record again to the newest one.

import {
  closeSync,
  constants,
  existsSync,
  fdatasyncSync,
  fstatSync,
  openSync,
  type Stats,
  statSync,
  writeSync,
} from 'node:fs'
import { publishOutboxEvent } from '../channels.js'
import { dropSegment, recoverDrops } from './drop.js'
import { fsyncDir, isErrno, listSegments, segmentPath } from './segments.js'

/** Where to append and the rotation limits. */
export type AppenderLimits = {
  readonly dir: string
  /** A segment is rotated once it reaches this size (it may exceed it by one record). */
  readonly maxSegmentBytes: number
  /** Segments kept, the active one included; the oldest beyond this are dropped (and announced). */
  readonly maxSegments: number
}

const APPEND_ATTEMPTS = 3
const OPEN_ATTEMPTS = 10

/** The append side of an outbox directory for one process (see the file comment for the protocol). */
export class SegmentAppender {
  readonly #limits: AppenderLimits
  #fd = -1
  #seq = 0

  constructor(limits: AppenderLimits) {
    this.#limits = limits
    // A process that died half-way through a drop left a renamed segment or an unannounced intent.
    recoverDrops(limits.dir)
  }

  /** Appends one frame and makes it durable. Throws on I/O failure (the frame may then be torn). */
  append(frame: Buffer, reportId: string): void {
    for (let attempt = 0; attempt < APPEND_ATTEMPTS; attempt++) {
      this.#followHead()
      const fd = this.#fd
      const seq = this.#seq
      const written = writeSync(fd, frame)
      if (written !== frame.length) {
        // ENOSPC mid-record or a signal: a torn fragment is left, which every reader skips.
        throw new Error(`short write to the outbox: ${written} of ${frame.length} bytes`)
      }
      fdatasyncSync(fd)
      const st = fstatSync(fd)
      if (this.#stillNamed(st, seq)) {
        if (st.size >= this.#limits.maxSegmentBytes) this.#rotate(seq)
        return
      }
      publishOutboxEvent({ type: 'append-retried', dir: this.#limits.dir, segment: seq, reportId })
      this.#closeFd()
    }
    throw new Error('the outbox segment was deleted under every append attempt')
  }

  close(): void {
    this.#closeFd()
  }

  /** Opens the newest segment, creating the first one, and follows rotations done by other processes. */
  #followHead(): void {
    for (let i = 0; this.#fd < 0; i++) {
      if (i >= OPEN_ATTEMPTS) throw new Error(`cannot open a segment in ${this.#limits.dir}`)
      const newest = listSegments(this.#limits.dir).at(-1)
      if (newest === undefined) this.#create(1)
      else this.#open(newest)
    }
    while (existsSync(segmentPath(this.#limits.dir, this.#seq + 1))) {
      if (!this.#open(this.#seq + 1)) break
    }
  }

  /** Opens an existing segment for appending, never creating it (a dropped segment must stay dropped). */
  #open(seq: number): boolean {
    let fd: number
    try {
      fd = openSync(segmentPath(this.#limits.dir, seq), constants.O_WRONLY | constants.O_APPEND)
    } catch (error) {
      if (isErrno(error, 'ENOENT')) return false
      throw error
    }
    this.#closeFd()
    this.#fd = fd
    this.#seq = seq
    return true
  }

  /** O_EXCL create: true when this process created `seq` (and now appends to it). */
  #create(seq: number): boolean {
    let fd: number
    try {
      const flags = constants.O_WRONLY | constants.O_APPEND | constants.O_CREAT | constants.O_EXCL
      fd = openSync(segmentPath(this.#limits.dir, seq), flags, 0o600)
    } catch (error) {
      if (isErrno(error, 'EEXIST')) return false
      throw error
    }
    fsyncDir(this.#limits.dir)
    this.#closeFd()
    this.#fd = fd
    this.#seq = seq
    return true
  }

  /** True when the segment path still names the inode we wrote to (not dropped, not renamed). */
  #stillNamed(st: Stats, seq: number): boolean {
    if (st.nlink === 0) return false
    try {
      const named = statSync(segmentPath(this.#limits.dir, seq))
      return named.ino === st.ino && named.dev === st.dev
    } catch (error) {
      if (isErrno(error, 'ENOENT')) return false
      throw error
    }
  }

  #rotate(seq: number): void {
    const dir = this.#limits.dir
    try {
      // EEXIST means another process rotated first; #followHead moves there on the next append.
      if (!this.#create(seq + 1)) return
      publishOutboxEvent({ type: 'rotated', dir, segment: seq + 1 })
      const segments = listSegments(dir)
      for (const old of segments.slice(0, Math.max(0, segments.length - this.#limits.maxSegments))) {
        dropSegment(dir, old)
      }
    } catch (error) {
      // The record is already durable; a failed rotation only lets the segment grow past its size.
      publishOutboxEvent({ type: 'rotate-failed', dir, segment: seq, error })
    }
  }

  #closeFd(): void {
    if (this.#fd >= 0) closeSync(this.#fd)
    this.#fd = -1
  }
}
