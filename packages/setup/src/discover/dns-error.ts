// node:dns (c-ares) reports DNS outcomes as error codes. RFC 2308 §1 separates NXDOMAIN (the name
// does not exist) from NODATA (the name exists, the type does not); both mean "no record" here, but
// they are kept apart in diagnostics because they tell a domain admin different things.
import { IssueCode, SourceFailure } from './errors.js'

const BY_NODE_CODE: Readonly<Record<string, IssueCode>> = {
  ENOTFOUND: IssueCode.DnsNxdomain,
  ENODATA: IssueCode.DnsNodata,
  ESERVFAIL: IssueCode.DnsServfail,
  EREFUSED: IssueCode.DnsRefused,
  ETIMEOUT: IssueCode.Timeout,
  EBADRESP: IssueCode.DnsMalformed,
  EFORMERR: IssueCode.DnsMalformed,
}

/** Maps a node:dns rejection (or a fake's) to a coded failure. */
export function dnsFailure(error: unknown, name: string): SourceFailure {
  if (error instanceof SourceFailure) return error
  const nodeCode = (error as { code?: unknown } | null)?.code
  const code =
    typeof nodeCode === 'string' && Object.hasOwn(BY_NODE_CODE, nodeCode) ? BY_NODE_CODE[nodeCode] : undefined
  const detail =
    typeof nodeCode === 'string' ? nodeCode : error instanceof Error ? error.message : String(error)
  return new SourceFailure(code ?? IssueCode.DnsError, `${name}: ${describe(code)} (${detail})`, {
    cause: error,
  })
}

function describe(code: IssueCode | undefined): string {
  switch (code) {
    case IssueCode.DnsNxdomain:
      return 'name does not exist'
    case IssueCode.DnsNodata:
      return 'name exists but has no record of this type'
    case IssueCode.DnsServfail:
      return 'resolver failure'
    case IssueCode.DnsRefused:
      return 'query refused'
    case IssueCode.Timeout:
      return 'no answer before the resolver timeout'
    case IssueCode.DnsMalformed:
      return 'malformed answer'
    default:
      return 'lookup failed'
  }
}
