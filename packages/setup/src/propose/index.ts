// Public surface of the propose step.
export {
  type ConfirmationItem,
  ConfirmationItemSchema,
  type MissingService,
  MissingServiceSchema,
  type Proposal,
  ProposalSchema,
  type RejectedCandidate,
  RejectedCandidateSchema,
  type ServiceProposal,
  ServiceProposalSchema,
} from './proposal.js'
export {
  type ProposeOptions,
  ProposeOptionsSchema,
  propose,
  type SpkiPinning,
  SpkiPinningSchema,
} from './propose.js'
export { bestPossibleRank, compareRanks, proposalRank, type Rank } from './rank.js'
export { MIN_SEAL_KEY_BYTES } from './seal.js'
