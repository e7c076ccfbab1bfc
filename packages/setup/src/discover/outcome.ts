// What one source hands back to the orchestrator, and how a thrown failure becomes data. Sources
// never throw past this point: discovery reports per-source failures instead of aborting.
import type { DraftCandidate, NotOffered, Source, SourceIssue } from './candidate.js'
import { abortCode } from './deadline.js'
import { IssueCode, SourceFailure } from './errors.js'

export type SourceOutcome = {
  readonly candidates: readonly DraftCandidate[]
  readonly notOffered: readonly NotOffered[]
  readonly errors: readonly SourceIssue[]
  readonly diagnostics: readonly SourceIssue[]
}

export const emptyOutcome: SourceOutcome = { candidates: [], notOffered: [], errors: [], diagnostics: [] }

// Expected absences: the source answered "nothing here". Everything else is a failure.
const ABSENCES: ReadonlySet<IssueCode> = new Set<IssueCode>([
  IssueCode.DnsNxdomain,
  IssueCode.DnsNodata,
  IssueCode.HttpNotFound,
  IssueCode.PlaintextDropped,
  IssueCode.MxNull,
  IssueCode.MxSameDomain,
])

/** True for codes that mean "this source has nothing" rather than "this source failed". */
export function isAbsence(code: IssueCode): boolean {
  return ABSENCES.has(code)
}

/** Files one issue under `errors` or `diagnostics` by its code. */
export function outcomeOfIssue(issue: SourceIssue): SourceOutcome {
  return isAbsence(issue.code)
    ? { ...emptyOutcome, diagnostics: [issue] }
    : { ...emptyOutcome, errors: [issue] }
}

/** Concatenates outcomes in the given order (ranking happens later, in rankCandidates). */
export function mergeOutcomes(outcomes: readonly SourceOutcome[]): SourceOutcome {
  return {
    candidates: outcomes.flatMap((o) => o.candidates),
    notOffered: outcomes.flatMap((o) => o.notOffered),
    errors: outcomes.flatMap((o) => o.errors),
    diagnostics: outcomes.flatMap((o) => o.diagnostics),
  }
}

export type IssueContext = {
  readonly source: Source
  readonly target: string
  /** The source's own signal (caller abort or per-source deadline). */
  readonly signal: AbortSignal
  readonly caller: AbortSignal | undefined
}

/** Turns anything a source threw into an issue; aborts become `aborted` or `timeout`. */
export function issueFromError(error: unknown, context: IssueContext, fallback: IssueCode): SourceIssue {
  const { source, target, signal, caller } = context
  if (error instanceof SourceFailure) return { source, code: error.code, message: error.message, target }
  if (signal.aborted) {
    const code = abortCode(caller)
    return {
      source,
      code,
      message: code === IssueCode.Timeout ? 'no answer before the deadline' : 'aborted',
      target,
    }
  }
  const message = error instanceof Error ? error.message : String(error)
  return { source, code: fallback, message: `unexpected failure: ${message}`, target }
}
