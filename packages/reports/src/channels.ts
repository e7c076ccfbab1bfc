// node:diagnostics_channel names (observability tools subscribe; subscribers must not throw).
import diagnostics_channel from 'node:diagnostics_channel'

/** Every report, published synchronously at the moment of failure. */
export const REPORT_CHANNEL = 'mua-sts:report'
/** A sink that threw or rejected: { sink, reportId, error }. */
export const SINK_ERROR_CHANNEL = 'mua-sts:sink-error'

export const reportChannel = diagnostics_channel.channel(REPORT_CHANNEL)
export const sinkErrorChannel = diagnostics_channel.channel(SINK_ERROR_CHANNEL)
