package usage

import (
	"context"
	"slices"
	"strings"
	"testing"

	"github.com/google/go-cmp/cmp"
	"github.com/proforma-dev/proforma/internal/conductor"
)

// storedChunks lists the stored file chunks: the blobs but aggregates.
func storedChunks(tx conductor.Tx) ([]string, error) {
	ids, err := tx.BlobIDs("")
	return slices.DeleteFunc(ids, func(id string) bool { return strings.HasPrefix(id, aggregatesPrefix) }), err
}

// aggregateBlobs lists the blob ids of aggregates.
func (e *env) aggregateBlobs() []string {
	e.t.Helper()
	var ids []string
	err := e.store.View(context.Background(), func(tx conductor.Tx) (err error) {
		ids, err = tx.BlobIDs(aggregatesPrefix)
		return err
	})
	if err != nil {
		e.t.Fatal(err)
	}
	return ids
}

// An import stores a period's aggregates as a blob, and the next import
// of the period replaces it.
func TestAggregatesAreBlobs(t *testing.T) {
	e := newEnv(t)
	sum, err := e.importFiles(e.write("oct.csv", header, octoberLines))
	if err != nil {
		t.Fatal(err)
	}
	want := []string{aggregatesBlob(payer, sum.Periods[0].ImportID, "2026-10")}
	if diff := cmp.Diff(want, e.aggregateBlobs()); diff != "" {
		t.Errorf("aggregate blobs after the import (-want +got):\n%s", diff)
	}
	sum, err = e.importFiles(e.write("oct2.csv", header, octoberLines[2:3]))
	if err != nil {
		t.Fatal(err)
	}
	want = []string{aggregatesBlob(payer, sum.Periods[0].ImportID, "2026-10")}
	if diff := cmp.Diff(want, e.aggregateBlobs()); diff != "" {
		t.Errorf("aggregate blobs after the re-import (-want +got):\n%s", diff)
	}
}

// Aggregates that an import made before they were blobs stored as a
// record are read as before, and removed when the period is imported again.
func TestAggregateRecordsOfEarlierImports(t *testing.T) {
	e := newEnv(t)
	sum, err := e.importFiles(e.write("oct.csv", header, octoberLines))
	if err != nil {
		t.Fatal(err)
	}
	report := e.report()
	m := sum.Periods[0]
	err = e.store.Update(context.Background(), func(tx conductor.Tx) error { // as an earlier import left it
		data, _, err := tx.GetBlob(aggregatesBlob(payer, m.ImportID, m.Period))
		if err != nil {
			return err
		}
		if err := tx.DeleteBlob(aggregatesBlob(payer, m.ImportID, m.Period)); err != nil {
			return err
		}
		return tx.Put(payer, kindAggregates, aggregatesID(m.ImportID, m.Period), conductor.Timeless, data)
	})
	if err != nil {
		t.Fatal(err)
	}
	e.svc.SetUsageEngine(NewEngine()) // nothing cached
	if diff := cmp.Diff(report, e.report()); diff != "" {
		t.Errorf("report over aggregates stored as a record (-blob +record):\n%s", diff)
	}
	if _, err := e.importFiles(e.write("oct2.csv", header, octoberLines[2:3])); err != nil {
		t.Fatal(err)
	}
	err = e.store.View(context.Background(), func(tx conductor.Tx) error {
		recs, err := tx.List(payer, kindAggregates, conductor.Timeless)
		if len(recs) != 0 {
			t.Errorf("aggregate records left after the re-import: %d", len(recs))
		}
		return err
	})
	if err != nil {
		t.Fatal(err)
	}
}
