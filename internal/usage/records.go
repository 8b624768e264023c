package usage

import (
	"encoding/json"
	"fmt"
	"time"

	"github.com/proforma-dev/proforma/internal/conductor"
	"github.com/proforma-dev/proforma/internal/cur"
)

// Record kinds of this package. Manifests and aggregates live in the
// payer's namespace; staging records in blobNS under unguessable import
// IDs, because an import learns its payer only from the file it is
// storing. All are timeless: a period's data is replaced, not versioned.
//
// Stored files are store blobs (conductor.Tx.PutBlob), chunk by chunk, under
// the id importID/file/chunk (see chunkID): an input file's bytes, plain
// CSV gzip-compressed. Stores of schema version 1 held them as records of
// kind "usagefile" in blobNS; the stores' schema migration moves them.
// A period's encoded aggregates, whose size grows with the payer's
// accounts and SKUs, are blobs too: one per usage account (see
// accountBlob and Manifest.Layout), so that pricing some billing groups
// reads their accounts' aggregates only. Imports made before held the
// period's aggregates in one blob (aggregatesBlob), and before that in a
// record of kind "usageagg"; both are read as they were (the engine
// decodes the whole period then, see Engine) and removed when their
// period is imported again.
const (
	kindManifest   = "usage"      // id: the period; the import that holds it
	kindAggregates = "usageagg"   // id: importID/period; encoded aggregates of imports made before they were blobs
	kindStaging    = "usagestage" // id: importID; chunks written by an import not yet committed
)

// SharedKinds are the kinds of a payer's namespace that hold its imported
// usage: what a what-if scenario reads from live and never copies.
var SharedKinds = []string{kindManifest, kindAggregates}

// blobNS is the namespace of staging records.
const blobNS = ""

// Manifest describes the usage of one payer and period.
type Manifest struct {
	ImportID   string
	ImportedAt time.Time
	Period     conductor.Period
	Lines      int64 // CUR lines of the period
	Aggregates int   // lines after aggregation
	Parts      []Part
	// Layout is how the aggregates are stored: layoutPeriod (0, the
	// manifests of imports made before per-account aggregates) or
	// layoutAccounts.
	Layout int `json:",omitzero"`
	// Source is the delivery version the period was imported from, when a
	// manifest decided its files (see ImportDeliveries); zero otherwise.
	Source SourceVersion `json:",omitzero"`
}

// Layouts of a period's aggregates (Manifest.Layout).
const (
	// layoutPeriod is one gob blob per period (aggregatesBlob), or a record
	// of kind kindAggregates for the oldest imports: see encoded.
	layoutPeriod = 0
	// layoutAccounts is one blob per usage account with lines in the period
	// (accountBlob; see appendAccount); an account without a blob has no
	// lines. Written atomically with the manifest, like layoutPeriod.
	layoutAccounts = 1
)

// Part is an input file holding lines of the period. The file is kept
// whole (a file may hold several periods; each manifest refers to it).
type Part struct {
	File   string     // the input file's path as given
	Format cur.Format // as detected on import
	Header []string   // the input's columns, in order
	Lines  int64      // lines of this period in the file
	Blob   Blob
	// Limits are the CUR reader's limits the file was imported under (zero
	// fields: the defaults), so that the export reads what the import took.
	Limits cur.Limits `json:",omitzero"`
}

// Blob is a stored input file: its bytes in chunks. A compressed input
// (gzip, zip, Parquet) is stored as it came; plain CSV is compressed as an
// S2 stream (Codec "s2": fast enough to keep up with the import's parsing).
// Imports before S2 stored plain CSV gzip-compressed, with no Codec: the
// CUR reader detects gzip.
type Blob struct {
	ID     string // importID/file index
	Chunks int
	Codec  string `json:",omitempty"`
}

// codecS2 is Blob.Codec of plain CSV stored as an S2 stream.
const codecS2 = "s2"

func (b Blob) chunkIDs() []string {
	ids := make([]string, b.Chunks)
	for i := range ids {
		ids[i] = chunkID(b.ID, i)
	}
	return ids
}

// staging is the record of an uncommitted import: the lease it holds
// (see lease.go) and the chunks it wrote.
type staging struct {
	Started   time.Time
	Heartbeat time.Time `json:",omitzero"` // renewed while the import runs; zero in records written before leases
	Owner     owner     `json:",omitzero"`
	Chunks    []string
}

func aggregatesID(importID string, p conductor.Period) string { return importID + "/" + string(p) }

// aggregatesPrefix starts the blob ids of aggregates; chunk ids start
// with an import ID, a digit.
const aggregatesPrefix = "usageagg/"

// aggregatesBlob is the blob id of a payer's aggregates of a period.
func aggregatesBlob(payer, importID string, p conductor.Period) string {
	return aggregatesPrefix + payer + "/" + aggregatesID(importID, p)
}

// accountBlobs is the prefix of the blob ids of a payer's aggregates of a
// period in layoutAccounts: the layoutPeriod blob id and a slash.
func accountBlobs(payer, importID string, p conductor.Period) string {
	return aggregatesBlob(payer, importID, p) + "/"
}

// accountBlob is the blob id of an account's aggregates of a period, in
// layoutAccounts.
func accountBlob(payer, importID string, p conductor.Period, account string) string {
	return accountBlobs(payer, importID, p) + account
}

// loadAggregates returns the encoded aggregates of a manifest's import in
// layoutPeriod: its blob, or its record for an import made before
// aggregates were blobs.
func loadAggregates(tx conductor.Tx, payer string, m Manifest) ([]byte, bool, error) {
	data, ok, err := tx.GetBlob(aggregatesBlob(payer, m.ImportID, m.Period))
	if err != nil || ok {
		return data, ok, err
	}
	return tx.Get(payer, kindAggregates, aggregatesID(m.ImportID, m.Period), conductor.Timeless)
}

// removeAggregates removes the aggregates of a manifest's import, in
// either layout: the account blobs, or the period's blob or record.
func removeAggregates(tx conductor.Tx, payer string, m Manifest) error {
	ids, err := tx.BlobIDs(accountBlobs(payer, m.ImportID, m.Period))
	if err != nil {
		return err
	}
	if err := removeBlobs(tx, append(ids, aggregatesBlob(payer, m.ImportID, m.Period))); err != nil {
		return err
	}
	return removeAll(tx, payer, kindAggregates, []string{aggregatesID(m.ImportID, m.Period)})
}

func blobID(importID string, file int) string { return fmt.Sprintf("%s/%04d", importID, file) }

func chunkID(blob string, chunk int) string { return fmt.Sprintf("%s/%06d", blob, chunk) }

// loadManifest returns the manifest of a period; ok is false without usage.
func loadManifest(tx conductor.Tx, payer string, p conductor.Period) (m Manifest, ok bool, err error) {
	data, ok, err := tx.Get(payer, kindManifest, string(p), conductor.Timeless)
	if err != nil || !ok {
		return m, false, err
	}
	return m, true, json.Unmarshal(data, &m)
}

// Manifests returns the manifests of every imported period of a payer, in
// period order.
func Manifests(tx conductor.Tx, payer string) ([]Manifest, error) {
	recs, err := tx.List(payer, kindManifest, conductor.Timeless)
	if err != nil {
		return nil, err
	}
	out := make([]Manifest, len(recs))
	for i, r := range recs {
		if err := json.Unmarshal(r.Data, &out[i]); err != nil {
			return nil, err
		}
	}
	return out, nil
}

// removeBlobs deletes stored chunks.
func removeBlobs(tx conductor.Tx, ids []string) error {
	for _, id := range ids {
		if err := tx.DeleteBlob(id); err != nil {
			return err
		}
	}
	return nil
}

// removeAll hard-deletes records of one kind.
func removeAll(tx conductor.Tx, payer, kind string, ids []string) error {
	for _, id := range ids {
		if err := tx.Truncate(payer, kind, id, conductor.Timeless); err != nil {
			return err
		}
	}
	return nil
}

// replacePeriods writes the manifests of an import and removes what the
// manifests they replace pointed to: their aggregates, and the stored files
// no remaining manifest refers to.
func replacePeriods(tx conductor.Tx, payer string, manifests []Manifest) error {
	var orphans []Blob
	for _, m := range manifests {
		old, ok, err := loadManifest(tx, payer, m.Period)
		if err != nil {
			return err
		}
		if ok {
			for _, p := range old.Parts {
				orphans = append(orphans, p.Blob)
			}
			if err := removeAggregates(tx, payer, old); err != nil {
				return err
			}
		}
		if err := putJSON(tx, payer, kindManifest, string(m.Period), m); err != nil {
			return err
		}
	}
	all, err := Manifests(tx, payer)
	if err != nil {
		return err
	}
	used := map[string]bool{}
	for _, m := range all {
		for _, p := range m.Parts {
			used[p.Blob.ID] = true
		}
	}
	for _, b := range orphans {
		if !used[b.ID] {
			if err := removeBlobs(tx, b.chunkIDs()); err != nil {
				return err
			}
			used[b.ID] = true // removed once
		}
	}
	return nil
}

// getJSON loads a timeless record into v; ok is false without it.
func getJSON(tx conductor.Tx, ns, kind, id string, v any) (ok bool, err error) {
	data, ok, err := tx.Get(ns, kind, id, conductor.Timeless)
	if err != nil || !ok {
		return false, err
	}
	return true, json.Unmarshal(data, v)
}

// putJSON stores v as a timeless record.
func putJSON(tx conductor.Tx, payer, kind, id string, v any) error {
	data, err := json.Marshal(v)
	if err != nil {
		return err
	}
	return tx.Put(payer, kind, id, conductor.Timeless, data)
}
