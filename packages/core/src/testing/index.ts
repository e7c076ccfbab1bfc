// @mua-sts/core/testing: fixtures for tests. Not part of the runtime API.
export { FIXED_NOW, goodObservation, OTHER_SPKI, SAMPLE_SPKI, sampleCommitment } from './fixtures.js'
