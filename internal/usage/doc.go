// Package usage is the pro forma engine's application layer: it imports a
// payer's Cost and Usage Report into the store, prices billing groups over
// it for the cost report operations (a conductor.UsageEngine), and exports
// a group's pro forma CUR. It joins the CUR codec (internal/cur) and the
// arithmetic (internal/pricing) to the domain's store; neither of those
// knows the other.
//
// # What is stored
//
// Per payer and billing period, in the conductor.Store the API uses:
//
//   - a manifest (kind "usage", id the period): the import that holds the
//     period, its files, column sets and line counts;
//   - the aggregates (one blob per usage account, see accountBlob): the
//     period's lines summed per pricing-relevant key (see key), which is
//     all the reports need. Their number depends on the payer's accounts
//     and SKUs, not on the CUR's size; kept per account so that pricing a
//     billing group reads its own accounts' aggregates only (see Engine);
//   - the input files as they were read (plain CSV gzip-compressed), in
//     blobs of 8 MiB, which the pro forma CUR export needs.
//
// Aggregates and files are store blobs (conductor.Tx.PutBlob), kept apart
// from the records so that the API's record reads never pass through them.
//
// # Atomic re-import
//
// An import stages its file chunks under a fresh import ID while it reads,
// then commits in one transaction: the new manifests and aggregates, the
// registration of missing accounts, and the removal of the periods'
// previous data. Until the commit the previous data is what every reader
// sees. A failed import removes its staged chunks. One killed mid-way
// leaves them behind, under a lease it no longer renews: the next import,
// or the next start of `proforma serve`, reclaims them (see Reclaim), and
// an import still running elsewhere on the store keeps its own. After
// removing data, an import asks the store to compact (the SQLite store's
// file then shrinks).
package usage
