// Every refused connection, from any guarded client in this process, goes two ways at once: to the
// renderer for the user (before the guarded call rejects), and durably to a JSONL outbox for the
// app's own diagnostics or an HttpsDelivery collector. Reports never hold credentials or addresses.
import { join } from 'node:path'
import { callbackSink, JsonlOutbox, ReportDispatcher } from '@mua-sts/reports'
import { app, type WebContents } from 'electron'
import { WIZARD_EVENT_CHANNEL } from '../../wizard/src/ipc-channels.js'
import { reportEventView } from '../../wizard/src/views.js'

/** The renderer channel carrying the full ReportEvent ({ report, explanations, helpUrl }). */
export const REPORT_CHANNEL = 'mua-sts:report'

/** A dispatcher for every guard of the app. `renderer()` is read per report (windows come and go). */
export function createReportForwarding(renderer: () => WebContents | undefined): {
  reports: ReportDispatcher
  outbox: JsonlOutbox
} {
  const outbox = new JsonlOutbox({ dir: join(app.getPath('userData'), 'mua-sts-outbox') })
  const toRenderer = callbackSink((event) => {
    const contents = renderer()
    if (contents === undefined || contents.isDestroyed()) return
    contents.send(REPORT_CHANNEL, event)
    // The wizard page shows refusals during confirm from its own event stream.
    contents.send(WIZARD_EVENT_CHANNEL, reportEventView(event))
  }, 'renderer')
  // UI first (who hears first), then the outbox; both run synchronously before the guard rejects.
  return { reports: new ReportDispatcher([toRenderer, outbox]), outbox }
}
