package usage

import (
	"context"
	"crypto/rand"
	"encoding/hex"
	"errors"
	"fmt"
	"io"
	"maps"
	"os"
	"slices"
	"strings"
	"sync/atomic"
	"time"

	"github.com/proforma-dev/proforma/internal/conductor"
	"github.com/proforma-dev/proforma/internal/cur"
	"github.com/proforma-dev/proforma/internal/parallel"
)

// Importer loads CUR files into the store of a Service.
type Importer struct {
	Service *conductor.Service
	Store   conductor.Store // the Service's store
	// Payer is the management account the usage belongs to; "" takes it
	// from the files' payer column (bill/PayerAccountId), which must then
	// be present and the same on every line.
	Payer string
	// Progress, when set, is called as the files are read with the bytes
	// read so far and the files' total size.
	Progress func(read, total int64)
	// Now is the clock of ImportedAt and of the import's lease; nil is
	// time.Now. Leases are compared across processes: it must tell
	// wall-clock time, never a pinned billing clock.
	Now func() time.Time
	// Limits bound what one input may cost (CSV field and record sizes,
	// decompression, Parquet metadata); zero fields are cur's defaults.
	Limits cur.Limits
}

// Summary is the outcome of an import.
type Summary struct {
	Payer      string
	Files      []FileSummary
	Periods    []Manifest // one per billing period replaced, in period order
	Registered []string   // accounts added to the organization; the payer first when it was new
	// Decided are the periods of the sources that manifests decided
	// (ImportDeliveries), imported or left unchanged.
	Decided []Decision
}

// FileSummary is one imported file.
type FileSummary struct {
	Path   string
	Format cur.Format
	Lines  int64
}

// Input is a data file to import.
type Input struct {
	Name string // how the summary, errors and the stored manifest name it: a path or an s3:// URI
	Size int64
	// Local makes the input a local file to read, removed by cleanup once
	// read; nil when Name is a local file.
	Local func(ctx context.Context) (path string, cleanup func(), err error)
}

// Import reads the CUR files and folders at paths (see cur.Files) and
// replaces, atomically, every billing period they hold lines of. On error
// (an *cur.Error names the file, line and column) nothing changes. It
// first reclaims what dead imports staged (see Reclaim), and holds a lease
// while it stages its own data; once it has replaced or removed data it
// compacts the store.
func (im *Importer) Import(ctx context.Context, paths ...string) (*Summary, error) {
	inputs, err := dataFiles(paths)
	if err != nil {
		return nil, err
	}
	return im.importInputs(ctx, strings.Join(paths, ", "), inputs, nil)
}

// importInputs imports inputs (what names them for an error) as Import
// does, storing each period's source version, when versions has one, on
// its manifest.
func (im *Importer) importInputs(ctx context.Context, what string, inputs []Input, versions map[conductor.Period]SourceVersion) (*Summary, error) {
	var total int64
	for _, in := range inputs {
		total += in.Size
	}
	if _, err := Reclaim(ctx, im.Store, im.now()); err != nil {
		return nil, fmt.Errorf("reclaim interrupted imports: %w", err)
	}
	run := &importRun{Importer: im, agg: newAggregator(), accounts: map[string]bool{},
		parts: map[conductor.Period][]Part{}, total: total, payer: im.Payer, started: im.now(), versions: versions}
	run.id = newImportID(run.started)
	l, err := acquireLease(ctx, im.Store, run.id, run.started, im.now)
	if err != nil {
		return nil, err
	}
	defer l.release()
	sum, err := run.all(l.ctx, what, inputs)
	if err != nil {
		run.discard()
		return nil, l.failure(err)
	}
	compact(ctx, im.Store)
	return sum, nil
}

// all reads the inputs and commits them.
func (r *importRun) all(ctx context.Context, what string, inputs []Input) (*Summary, error) {
	if r.Progress != nil {
		r.Progress(0, r.total)
	}
	for i, in := range inputs {
		if err := r.file(ctx, i, in); err != nil {
			return nil, err
		}
	}
	if len(r.parts) == 0 {
		return nil, fmt.Errorf("%s: %w", what, ErrNoLines)
	}
	return r.commit(ctx)
}

func (im *Importer) now() time.Time {
	if im.Now != nil {
		return im.Now().UTC()
	}
	return time.Now().UTC()
}

// dataFiles expands paths into CUR data files with their sizes.
func dataFiles(paths []string) ([]Input, error) {
	if len(paths) == 0 {
		return nil, fmt.Errorf("no files given: %w", ErrNoLines)
	}
	var inputs []Input
	seen := map[string]bool{}
	for _, p := range paths {
		fs, err := cur.Files(p)
		if err != nil {
			return nil, err
		}
		if len(fs) == 0 {
			return nil, fmt.Errorf("%s: no CUR data files (.csv, .csv.gz, .gz, .zip, .parquet) in the folder: %w", p, ErrNoLines)
		}
		for _, f := range fs {
			if seen[f] { // named twice: import it once
				continue
			}
			seen[f] = true
			info, err := os.Stat(f)
			if err != nil {
				return nil, &cur.Error{File: f, Err: err}
			}
			inputs = append(inputs, Input{Name: f, Size: info.Size()})
		}
	}
	return inputs, nil
}

// newImportID returns a sortable, unguessable import ID.
func newImportID(now time.Time) string {
	b := make([]byte, 8)
	rand.Read(b)
	return now.Format("20060102T150405Z") + "-" + hex.EncodeToString(b)
}

// importRun is one import in progress.
type importRun struct {
	*Importer
	id       string
	started  time.Time
	payer    string
	agg      *aggregator
	accounts map[string]bool
	parts    map[conductor.Period][]Part
	files    []FileSummary
	read     atomic.Int64
	total    int64
	versions map[conductor.Period]SourceVersion
}

// file imports one input: it stores the file's bytes while it parses them.
func (r *importRun) file(ctx context.Context, index int, in Input) error {
	path := in.Name
	if in.Local != nil {
		local, cleanup, err := in.Local(ctx)
		if err != nil {
			return &cur.Error{File: in.Name, Err: err}
		}
		defer cleanup()
		path = local
	}
	blob := Blob{ID: blobID(r.id, index)}
	stored := make(chan error, 1)
	storeCtx, cancel := context.WithCancel(ctx)
	defer cancel()
	go func() {
		stored <- parallel.Safe(func() (err error) {
			blob.Chunks, blob.Codec, err = r.storeFile(storeCtx, path, blob.ID)
			return err
		})
	}()
	lines, rd, err := r.parse(ctx, in.Name, path)
	if err != nil {
		cancel()
		<-stored
		return err
	}
	if err := <-stored; err != nil {
		return fmt.Errorf("storing %s: %w", in.Name, err)
	}
	header, total := slices.Clone(rd.Header()), int64(0)
	for _, p := range slices.Sorted(maps.Keys(lines)) {
		r.parts[p] = append(r.parts[p], Part{File: in.Name, Format: rd.Format(), Header: header, Lines: lines[p], Blob: blob,
			Limits: r.Limits})
		total += lines[p]
	}
	r.files = append(r.files, FileSummary{Path: in.Name, Format: rd.Format(), Lines: total})
	return nil
}

// parse reads one file (the local file at path, name as errors name it)
// into the aggregates and returns its lines per period, and its reader
// (closed, for its header and format).
func (r *importRun) parse(ctx context.Context, name, path string) (map[conductor.Period]int64, *cur.Reader, error) {
	f, err := os.Open(path)
	if err != nil {
		return nil, nil, &cur.Error{File: name, Err: err}
	}
	defer f.Close()
	rd, err := cur.NewReader(&countingFile{f, &r.read}, name, cur.WithoutRaw(), cur.WithLimits(r.Limits))
	if err != nil {
		return nil, nil, err
	}
	defer rd.Close()
	lines := map[conductor.Period]int64{}
	batches, done, stop := readAhead(rd)
	defer stop()
	for b := range batches {
		for i := range b.recs[:b.n] {
			if err := r.add(rd, name, &b.recs[i], lines); err != nil {
				return nil, nil, err
			}
		}
		err := b.err
		done(b)
		if r.Progress != nil {
			r.Progress(r.read.Load(), r.total)
		}
		if err == io.EOF {
			return lines, rd, nil
		}
		if err != nil {
			return nil, nil, err
		}
		if err := ctx.Err(); err != nil {
			return nil, nil, err
		}
	}
	return lines, rd, nil
}

// add aggregates one record and checks its payer.
func (r *importRun) add(rd *cur.Reader, path string, rec *cur.Record, lines map[conductor.Period]int64) error {
	if r.Payer == "" {
		if err := r.checkPayer(rd, path, rec); err != nil {
			return err
		}
	}
	if !r.accounts[rec.UsageAccountID] {
		if !conductor.IsAccountID(rec.UsageAccountID) {
			return fieldError(rd, path, rec, cur.FieldUsageAccountID, fmt.Sprintf("usage account %q is not a 12-digit account ID", rec.UsageAccountID))
		}
		r.accounts[strings.Clone(rec.UsageAccountID)] = true
	}
	p := conductor.PeriodOf(rec.BillingPeriodStart)
	line := lineOf(rec, p)
	r.agg.add(rec, &line)
	lines[p]++
	return nil
}

// checkPayer requires one payer across the import when it comes from the files.
func (r *importRun) checkPayer(rd *cur.Reader, path string, rec *cur.Record) error {
	switch {
	case rec.PayerAccountID == r.payer:
		return nil
	case rec.PayerAccountID == "":
		return fieldError(rd, path, rec, cur.FieldPayerAccountID, "no payer account on the line: give the payer (--payer)")
	case !conductor.IsAccountID(rec.PayerAccountID):
		return fieldError(rd, path, rec, cur.FieldPayerAccountID, fmt.Sprintf("payer %q is not a 12-digit account ID", rec.PayerAccountID))
	case r.payer != "":
		return fieldError(rd, path, rec, cur.FieldPayerAccountID, fmt.Sprintf("payer %s differs from %s of the earlier lines: import one payer's files at a time "+
			"(--payer would import them all as that one payer's usage)", rec.PayerAccountID, r.payer))
	}
	r.payer = strings.Clone(rec.PayerAccountID)
	return nil
}

// fieldError is an import error about one field of a line.
func fieldError(rd *cur.Reader, path string, rec *cur.Record, f cur.Field, msg string) error {
	col := f.Legacy()
	if i := rd.Index(f); i >= 0 {
		col = rd.Header()[i]
	}
	return &cur.Error{File: path, Line: rec.Line, Column: col, Err: errors.New(msg)}
}

// commit writes the manifests and aggregates and registers the accounts,
// in one transaction.
func (r *importRun) commit(ctx context.Context) (*Summary, error) {
	sum := &Summary{Payer: r.payer, Files: r.files}
	aggregates := map[conductor.Period]encodedAccounts{}
	for _, p := range slices.Sorted(maps.Keys(r.parts)) {
		enc := r.agg.encodeAccounts(p)
		aggregates[p] = enc
		m := Manifest{ImportID: r.id, ImportedAt: r.started, Period: p, Aggregates: enc.rows, Parts: r.parts[p],
			Layout: layoutAccounts, Source: r.versions[p]}
		for _, part := range m.Parts {
			m.Lines += part.Lines
		}
		sum.Periods = append(sum.Periods, m)
	}
	accounts := slices.Sorted(maps.Keys(r.accounts))
	var err error
	sum.Registered, err = r.Service.ImportUsage(ctx, r.payer, accounts, func(tx conductor.Tx) error {
		if err := holdsLease(tx, r.id); err != nil {
			return err
		}
		for _, p := range slices.Sorted(maps.Keys(aggregates)) {
			blobs := aggregates[p].blobs
			for _, account := range slices.Sorted(maps.Keys(blobs)) {
				if err := tx.PutBlob(accountBlob(r.payer, r.id, p, account), blobs[account]); err != nil {
					return err
				}
			}
		}
		if err := replacePeriods(tx, r.payer, sum.Periods); err != nil {
			return err
		}
		return tx.Truncate(blobNS, kindStaging, r.id, conductor.Timeless)
	})
	return sum, err
}

// discard removes what a failed import staged (the chunks its staging
// record lists: none when the lease was lost) and compacts the store; a
// failure here only leaves data that a later Reclaim removes.
func (r *importRun) discard() {
	ctx, cancel := context.WithTimeout(context.Background(), time.Minute)
	defer cancel()
	update(ctx, r.Store, func(tx conductor.Tx) error {
		_, err := dropStaging(tx, r.id, func(staging) bool { return true })
		return err
	})
	compact(ctx, r.Store)
}

// countingFile counts the bytes read from a file, for the progress bar.
type countingFile struct {
	*os.File
	n *atomic.Int64
}

func (f *countingFile) Read(p []byte) (int, error) {
	n, err := f.File.Read(p)
	f.n.Add(int64(n))
	return n, err
}

func (f *countingFile) ReadAt(p []byte, off int64) (int, error) {
	n, err := f.File.ReadAt(p, off)
	f.n.Add(int64(n))
	return n, err
}

// ErrNoLines is returned when the files hold no line items.
var ErrNoLines = errors.New("no line items to import")

// IsInputError reports whether an import failed because of its input (a
// file that is not a readable CUR, a payer or account that cannot be
// registered) rather than because of the store.
func IsInputError(err error) bool {
	var ce *cur.Error
	if errors.As(err, &ce) || errors.Is(err, ErrNoLines) {
		return true
	}
	de, ok := conductor.AsError(err)
	return ok && de.Code != conductor.CodeInternal
}
