package usage

import (
	"bytes"
	"cmp"
	"compress/gzip"
	"context"
	"encoding/gob"
	"io"
	"slices"
	"strings"
	"testing"

	gocmp "github.com/google/go-cmp/cmp"
	"github.com/klauspost/compress/s2"

	"github.com/proforma-dev/proforma/internal/conductor"
	"github.com/proforma-dev/proforma/internal/pricing"
	"github.com/proforma-dev/proforma/internal/sqlite"
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

// An import stores a period's aggregates as one blob per usage account,
// and the next import of the period replaces them.
func TestAggregatesAreBlobs(t *testing.T) {
	e := newEnv(t)
	sum, err := e.importFiles(e.write("oct.csv", header, octoberLines))
	if err != nil {
		t.Fatal(err)
	}
	id := sum.Periods[0].ImportID
	want := []string{accountBlob(payer, id, "2026-10", account1), accountBlob(payer, id, "2026-10", account2)}
	if diff := gocmp.Diff(want, e.aggregateBlobs()); diff != "" {
		t.Errorf("aggregate blobs after the import (-want +got):\n%s", diff)
	}
	if m := sum.Periods[0]; m.Layout != layoutAccounts || m.Aggregates != 6 {
		t.Errorf("manifest layout %d, %d aggregates; want %d, 6", m.Layout, m.Aggregates, layoutAccounts)
	}
	sum, err = e.importFiles(e.write("oct2.csv", header, octoberLines[2:3]))
	if err != nil {
		t.Fatal(err)
	}
	want = []string{accountBlob(payer, sum.Periods[0].ImportID, "2026-10", account1)}
	if diff := gocmp.Diff(want, e.aggregateBlobs()); diff != "" {
		t.Errorf("aggregate blobs after the re-import (-want +got):\n%s", diff)
	}
}

// toPeriodLayout rewrites a period's aggregates as an import made before
// per-account aggregates left them (layoutPeriod): one gob blob for the
// period, or with asRecord a record of kind kindAggregates, and a manifest
// without Layout.
func (e *env) toPeriodLayout(m Manifest, asRecord bool) {
	e.t.Helper()
	err := e.store.Update(context.Background(), func(tx conductor.Tx) error {
		ids, err := tx.BlobIDs(accountBlobs(payer, m.ImportID, m.Period))
		if err != nil {
			return err
		}
		var accounts []*accountLines
		for _, id := range ids {
			data, _, err := tx.GetBlob(id)
			if err != nil {
				return err
			}
			a, err := decodeAccount(data, m.Period, id[strings.LastIndex(id, "/")+1:])
			if err != nil {
				return err
			}
			accounts = append(accounts, a)
			if err := tx.DeleteBlob(id); err != nil {
				return err
			}
		}
		data := encodePeriodLayout(e.t, accounts)
		if asRecord {
			err = tx.Put(payer, kindAggregates, aggregatesID(m.ImportID, m.Period), conductor.Timeless, data)
		} else {
			err = tx.PutBlob(aggregatesBlob(payer, m.ImportID, m.Period), data)
		}
		if err != nil {
			return err
		}
		m.Layout = layoutPeriod
		return putJSON(tx, payer, kindManifest, string(m.Period), m)
	})
	if err != nil {
		e.t.Fatal(err)
	}
}

// encodePeriodLayout encodes accounts' lines as the single gob blob of
// layoutPeriod, rows in period order, as imports before per-account
// aggregates wrote them.
func encodePeriodLayout(t *testing.T, accounts []*accountLines) []byte {
	t.Helper()
	type row struct {
		seq uint32
		l   pricing.Line
	}
	var rows []row
	for _, a := range accounts {
		for i, l := range a.lines {
			rows = append(rows, row{l.seq, a.line(i)})
		}
	}
	slices.SortFunc(rows, func(a, b row) int { return cmp.Compare(a.seq, b.seq) })
	var enc encoded
	index := map[string]uint32{}
	intern := func(s string) uint32 {
		i, ok := index[s]
		if !ok {
			i = uint32(len(enc.Strings))
			index[s] = i
			enc.Strings = append(enc.Strings, s)
		}
		return i
	}
	for _, r := range rows {
		l := r.l
		rate := ""
		if l.PublicOnDemandRate.Valid {
			rate = l.PublicOnDemandRate.Decimal.String()
		}
		var er encodedRow
		for i, s := range [11]string{l.UsageAccount, l.BillingEntity, l.LineItemType, l.ProductCode, l.ServiceCode,
			l.ProductName, l.UsageType, l.Operation, l.SavingsPlanARN, l.ReservationARN, rate} {
			er.Text[i] = intern(s)
		}
		er.Public, er.PubCost = uint8(publicAbsent), "0"
		if p := l.PublicOnDemandCost; p.Valid {
			er.Public, er.PubCost = uint8(publicPositive), p.Decimal.String()
			if p.Decimal.IsZero() {
				er.Public = uint8(publicZero)
			} else if p.Decimal.IsNegative() {
				er.Public = uint8(publicNegative)
			}
		}
		er.FreeTier = l.FreeTier == pricing.FreeTierUsage
		er.Usage, er.Unblended = l.UsageAmount.String(), l.UnblendedCost.String()
		enc.Rows = append(enc.Rows, er)
	}
	var buf bytes.Buffer
	if err := gob.NewEncoder(&buf).Encode(&enc); err != nil {
		t.Fatal(err)
	}
	return buf.Bytes()
}

// Aggregates that imports made before they were kept per account — one
// blob per period, or before that a record — are read as they were (by a
// fresh engine and by one that cached the period), and removed when the
// period is imported again, which stores it per account.
func TestAggregatesOfEarlierLayouts(t *testing.T) {
	for _, asRecord := range []bool{false, true} {
		t.Run(map[bool]string{false: "blob", true: "record"}[asRecord], func(t *testing.T) {
			e := newEnv(t)
			sum, err := e.importFiles(e.write("oct.csv", header, octoberLines))
			if err != nil {
				t.Fatal(err)
			}
			report := e.report()
			e.toPeriodLayout(sum.Periods[0], asRecord)
			e.svc.SetUsageEngine(NewEngine()) // nothing cached
			if diff := gocmp.Diff(report, e.report()); diff != "" {
				t.Errorf("report over the earlier layout (-per account +earlier):\n%s", diff)
			}
			if diff := gocmp.Diff(report, e.report()); diff != "" { // from the cache
				t.Errorf("report over the earlier layout, cached (-per account +earlier):\n%s", diff)
			}
			e.svc.SetUsageEngine(NewEngineWithCache(0)) // nothing ever cached: decoded on every request
			if diff := gocmp.Diff(report, e.report()); diff != "" {
				t.Errorf("report over the earlier layout, uncached (-per account +earlier):\n%s", diff)
			}
			sum, err = e.importFiles(e.write("oct2.csv", header, octoberLines[2:3]))
			if err != nil {
				t.Fatal(err)
			}
			want := []string{accountBlob(payer, sum.Periods[0].ImportID, "2026-10", account1)}
			if diff := gocmp.Diff(want, e.aggregateBlobs()); diff != "" {
				t.Errorf("aggregate blobs after the re-import (-want +got):\n%s", diff)
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
		})
	}
}

// TestStoredFilesOfEveryCodec: plain CSV is stored as an S2 stream now,
// earlier imports stored it gzip-compressed with no codec; both read back
// as the bytes that were imported.
func TestStoredFilesOfEveryCodec(t *testing.T) {
	store, err := sqlite.Open(sqlite.Memory)
	if err != nil {
		t.Fatal(err)
	}
	defer store.Close()
	const csv = "identity/LineItemId,lineItem/UsageAccountId\na,100000000001\n"
	var gz, sz bytes.Buffer
	zw := gzip.NewWriter(&gz)
	zw.Write([]byte(csv))
	zw.Close()
	sw := s2.NewWriter(&sz)
	sw.Write([]byte(csv))
	sw.Close()
	stored := map[string]Blob{"gzip": {ID: "old/0", Chunks: 1}, "s2": {ID: "new/0", Chunks: 1, Codec: codecS2}}
	data := map[string][]byte{"gzip": gz.Bytes(), "s2": sz.Bytes()}
	if err := store.Update(context.Background(), func(tx conductor.Tx) error {
		for codec, b := range stored {
			if err := tx.PutBlob(chunkID(b.ID, 0), data[codec]); err != nil {
				return err
			}
		}
		return nil
	}); err != nil {
		t.Fatal(err)
	}
	for codec, b := range stored {
		err := store.View(context.Background(), func(tx conductor.Tx) error {
			got, err := io.ReadAll(newBlobReader(tx, b))
			if err != nil {
				return err
			}
			if codec == "gzip" { // the CUR reader detects it
				zr, err := gzip.NewReader(bytes.NewReader(got))
				if err != nil {
					return err
				}
				if got, err = io.ReadAll(zr); err != nil {
					return err
				}
			}
			if string(got) != csv {
				t.Errorf("%s: read back %q", codec, got)
			}
			return nil
		})
		if err != nil {
			t.Fatalf("%s: %v", codec, err)
		}
	}
}
