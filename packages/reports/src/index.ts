// @mua-sts/reports: getting failure reports to the people who need them (issue #7).
export { REPORT_CHANNEL, SINK_ERROR_CHANNEL } from './channels.js'
export { ReportDispatcher } from './dispatcher.js'
export { callbackSink, type ReportEvent, toReportEvent } from './event-sink.js'
export type { ReportSink } from './sink.js'
