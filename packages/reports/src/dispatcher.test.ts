import diagnostics_channel from 'node:diagnostics_channel'
import { buildReport, type Report } from '@mua-sts/core'
import { goodObservation, sampleCommitment } from '@mua-sts/core/testing'
import { afterEach, describe, expect, it } from 'vitest'
import { REPORT_CHANNEL, SINK_ERROR_CHANNEL, type SinkErrorEvent } from './channels.js'
import { ReportDispatcher } from './dispatcher.js'
import { callbackSink, type ReportEvent } from './event-sink.js'
import type { ReportSink } from './sink.js'

function report(id = 'rep_dispatch_1'): Report {
  const c = sampleCommitment()
  return buildReport({
    reportId: id,
    now: '2026-03-01T09:12:44.120Z',
    account: 'acct_1',
    service: 'imap',
    endpoint: c.endpoint,
    violations: [
      {
        code: 'tls_version_below_floor',
        tag: 'tls12',
        resultType: 'validation-failure',
        path: ['tls', 'version'],
        expected: 'TLSv1.2',
        observed: 'TLSv1.1',
      },
    ],
    action: 'blocked_before_auth',
    commitment: c,
    observation: goodObservation({ tls: { version: 'TLSv1.1', cipher: 'AES128-SHA', cipherBits: 128 } }),
    sdk: { package: '@mua-sts/imap', version: '0.1.0' },
  })
}

const unsubscribe: Array<() => void> = []
function listen<T>(name: string): T[] {
  const seen: T[] = []
  const fn = (message: unknown): void => void seen.push(message as T)
  diagnostics_channel.subscribe(name, fn)
  unsubscribe.push(() => diagnostics_channel.unsubscribe(name, fn))
  return seen
}
afterEach(() => {
  for (const u of unsubscribe.splice(0)) u()
})

const throwing: ReportSink = {
  name: 'throws',
  write: () => {
    throw new Error('sink exploded')
  },
}
const neverResolving: ReportSink = { name: 'hangs', write: () => new Promise<void>(() => undefined) }
const rejecting: ReportSink = { name: 'rejects', write: () => Promise.reject(new Error('async sink failed')) }

describe('ReportDispatcher', () => {
  it('says whether a security record would reach a sink: only while one is added (records are opt-in)', () => {
    const d = new ReportDispatcher()
    expect(d.receivesRecords).toBe(false)
    const remove = d.addRecordSink({ name: 'r', writeRecord: () => undefined })
    expect(d.receivesRecords).toBe(true)
    remove()
    expect(d.receivesRecords).toBe(false)
    const given = new ReportDispatcher([], { recordSinks: [{ name: 'r', writeRecord: () => undefined }] })
    expect(given.receivesRecords).toBe(true)
  })

  it('delivers to every sink before dispatch() returns, even past a throwing and a never-resolving sink', () => {
    const events: ReportEvent[] = []
    const d = new ReportDispatcher([throwing, neverResolving, callbackSink((e) => events.push(e))])
    const r = report()
    const before = structuredClone(r)
    const returned = d.dispatch(r)
    // Synchronous: the listener ran inside dispatch(), and nothing was returned to await.
    expect(returned).toBeUndefined()
    expect(events.map((e) => e.report)).toEqual([r])
    expect(events[0]?.explanations[0]).toMatch(/outdated encryption version/)
    // The failing sinks left the report exactly as the guard built it.
    expect(r).toEqual(before)
  })

  it('publishes a synchronous sink error on mua-sts:sink-error without throwing', () => {
    const errors = listen<SinkErrorEvent>(SINK_ERROR_CHANNEL)
    new ReportDispatcher([throwing]).dispatch(report('rep_sync_err'))
    expect(errors).toHaveLength(1)
    expect(errors[0]).toMatchObject({ sink: 'throws', reportId: 'rep_sync_err' })
    expect(errors[0]?.error).toEqual(new Error('sink exploded'))
  })

  it('publishes a rejected sink promise on mua-sts:sink-error after dispatch returned', async () => {
    const errors = listen<SinkErrorEvent>(SINK_ERROR_CHANNEL)
    new ReportDispatcher([rejecting]).dispatch(report('rep_async_err'))
    expect(errors).toHaveLength(0)
    await new Promise((resolve) => setImmediate(resolve))
    expect(errors).toEqual([expect.objectContaining({ sink: 'rejects', reportId: 'rep_async_err' })])
  })

  it('publishes every report on mua-sts:report', () => {
    const reports = listen<Report>(REPORT_CHANNEL)
    const d = new ReportDispatcher([throwing])
    d.dispatch(report('rep_chan_1'))
    d.dispatch(report('rep_chan_2'))
    expect(reports.map((r) => r.reportId)).toEqual(['rep_chan_1', 'rep_chan_2'])
  })

  it('isolates a sink whose name getter throws as well', () => {
    const hostile = {
      get name(): string {
        throw new Error('no name')
      },
      write: () => {
        throw new Error('and no write')
      },
    }
    const errors = listen<SinkErrorEvent>(SINK_ERROR_CHANNEL)
    const events: ReportEvent[] = []
    expect(() =>
      new ReportDispatcher([hostile, callbackSink((e) => events.push(e))]).dispatch(report()),
    ).not.toThrow()
    expect(events).toHaveLength(1)
    expect(errors[0]).toMatchObject({ sink: 'unnamed' })
  })

  it('lets a sink remove itself during dispatch without skipping the next sink', () => {
    const d = new ReportDispatcher()
    const seen: string[] = []
    const remove = d.add({
      name: 'once',
      write: () => {
        seen.push('once')
        remove()
      },
    })
    d.add(callbackSink(() => seen.push('next')))
    d.dispatch(report())
    d.dispatch(report())
    expect(seen).toEqual(['once', 'next', 'next'])
  })
})
