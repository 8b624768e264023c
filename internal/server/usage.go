package server

import (
	"bytes"
	"context"
	"errors"
	"fmt"
	"io"
	"log/slog"
	"path/filepath"
	"strings"
	"sync/atomic"
	"time"

	"github.com/proforma-dev/proforma/internal/conductor"
	"github.com/proforma-dev/proforma/internal/cur"
	"github.com/proforma-dev/proforma/internal/restjson"
	"github.com/proforma-dev/proforma/internal/usage"
)

// progressEvery is how often a running import logs its progress.
const progressEvery = 10 * time.Second

// importer runs the admin endpoint's imports, logging their progress and
// results and counting them in metrics.
type importer struct {
	svc     *conductor.Service
	store   conductor.Store
	limits  cur.Limits
	log     *slog.Logger
	metrics *Metrics
}

// file imports an uploaded CUR file at path (POST /_proforma/usage).
func (im importer) file(ctx context.Context, payer, path string) (any, error) {
	return im.run(ctx, "upload", filepath.Base(path), payer, func(u *usage.Importer) (*usage.Summary, error) {
		return u.Import(ctx, path)
	})
}

// source imports what the server reads from an s3://bucket/prefix with
// its AWS credentials and endpoint settings (POST
// /_proforma/usage?source=…). Only s3:// sources: a local path would let
// a caller read the server's files.
func (im importer) source(ctx context.Context, payer, source string) (any, error) {
	if !strings.HasPrefix(source, "s3://") {
		return nil, restjson.BadUpload{Err: fmt.Errorf("source %q: only s3://bucket/prefix sources can be imported through the server", source)}
	}
	return im.run(ctx, "s3", source, payer, func(u *usage.Importer) (*usage.Summary, error) {
		ds, err := usage.OpenDeliveries(ctx, []string{source}, io.Discard)
		if err != nil { // no such bucket or prefix, a bad manifest: the caller's to mend
			return nil, restjson.BadUpload{Err: err}
		}
		return u.ImportDeliveries(ctx, ds...)
	})
}

// run runs one import of kind ("upload" or "s3") named name, for payer.
// An input error is the client's (restjson.BadUpload).
func (im importer) run(ctx context.Context, kind, name, payer string, do func(*usage.Importer) (*usage.Summary, error)) (any, error) {
	start, log := time.Now(), im.log.With("source", kind, "name", name)
	var read, logged atomic.Int64
	logged.Store(start.UnixNano())
	progress := func(n, total int64) {
		read.Store(n)
		now, last := time.Now().UnixNano(), logged.Load()
		if now-last >= int64(progressEvery) && logged.CompareAndSwap(last, now) {
			log.Info("import progress", "payer", payer, "bytesRead", n, "bytesTotal", total)
		}
	}
	log.Info("import started", "payer", payer)
	sum, err := do(&usage.Importer{Service: im.svc, Store: im.store, Payer: payer, Limits: im.limits, Progress: progress})
	elapsed := time.Since(start)
	done := []any{"bytesRead", read.Load(), "durationMs", elapsed.Milliseconds()}
	var bad restjson.BadUpload
	switch {
	case err != nil && (usage.IsInputError(err) || errors.As(err, &bad)):
		im.notImported(log, kind, true, read.Load(), elapsed, append(done, "payer", payer, "err", err)...)
		if !errors.As(err, &bad) {
			err = restjson.BadUpload{Err: err}
		}
		return nil, err
	case err != nil:
		im.notImported(log, kind, false, read.Load(), elapsed, append(done, "payer", payer, "err", err)...)
		return nil, err
	}
	var lines int64
	for _, f := range sum.Files {
		lines += f.Lines
	}
	im.metrics.observeImport(kind, "ok", lines, read.Load(), elapsed)
	periods := make([]string, len(sum.Periods))
	for i, m := range sum.Periods {
		periods[i] = string(m.Period)
	}
	log.Info("import finished", append(done, "payer", sum.Payer, "lines", lines, "periods", strings.Join(periods, ","))...)
	return importSummary(sum), nil
}

// refused logs and counts an upload refused before its import began: a
// client's fault (4xx) is a rejected import, the server's a failed one.
func (im importer) refused(r restjson.Refusal) {
	im.notImported(im.log.With("source", "upload", "name", r.Name), "upload", r.Status < 500, r.Received, r.Elapsed,
		"status", r.Status, "bytesRead", r.Received, "durationMs", r.Elapsed.Milliseconds(), "err", r.Err)
}

// notImported counts and logs an import that stored nothing: rejected, the
// input's fault (a warning), or failed (an error).
func (im importer) notImported(log *slog.Logger, kind string, rejected bool, read int64, elapsed time.Duration, args ...any) {
	outcome, level := "failed", slog.LevelError
	if rejected {
		outcome, level = "rejected", slog.LevelWarn
	}
	im.metrics.observeImport(kind, outcome, 0, read, elapsed)
	log.Log(context.Background(), level, "import "+outcome, args...)
}

// importSummary is the admin endpoint's JSON of an import.
func importSummary(sum *usage.Summary) map[string]any {
	files, periods := []map[string]any{}, []map[string]any{}
	for _, f := range sum.Files {
		files = append(files, map[string]any{"name": filepath.Base(f.Path), "format": f.Format.String(), "lines": f.Lines})
	}
	for _, m := range sum.Periods {
		periods = append(periods, map[string]any{"billingPeriod": m.Period, "lines": m.Lines, "aggregates": m.Aggregates})
	}
	decided := []map[string]any{}
	for _, d := range sum.Decided {
		decided = append(decided, map[string]any{"billingPeriod": d.Period, "kind": d.Kind, "manifest": d.Manifest,
			"version": d.Version, "files": len(d.Files), "left": len(d.Left), "unchanged": d.Unchanged})
	}
	return map[string]any{"payer": sum.Payer, "files": files, "periods": periods, "manifests": decided,
		"registeredAccounts": append([]string{}, sum.Registered...)}
}

// usageLister is GET /_proforma/usage: the payer's imported periods, in
// period order.
func usageLister(store conductor.Store) func(ctx context.Context, payer string) (any, error) {
	return func(ctx context.Context, payer string) (any, error) {
		var ms []usage.Manifest
		err := store.View(ctx, func(tx conductor.Tx) (err error) {
			ms, err = usage.Manifests(tx, payer)
			return err
		})
		periods := []map[string]any{}
		for _, m := range ms {
			periods = append(periods, map[string]any{"billingPeriod": m.Period, "importId": m.ImportID,
				"importedAt": m.ImportedAt.UTC().Format(time.RFC3339), "lines": m.Lines, "aggregates": m.Aggregates, "parts": len(m.Parts)})
		}
		return map[string]any{"payer": payer, "periods": periods}, err
	}
}

// usageExporter is the admin endpoint's export hook: it resolves the
// format, the group and the period's usage before the first byte, and
// maps their failures to the errors the endpoint answers.
func usageExporter(svc *conductor.Service, store conductor.Store) func(context.Context, restjson.ExportRequest) (restjson.ExportFile, error) {
	return func(ctx context.Context, req restjson.ExportRequest) (restjson.ExportFile, error) {
		format, err := usage.ParseFormat(req.Format)
		if err != nil {
			return restjson.ExportFile{}, conductor.InvalidField("format", err.Error())
		}
		g, err := svc.FindBillingGroup(ctx, conductor.Caller{Account: req.Payer}, req.BillingGroup, req.Period)
		if err != nil {
			return restjson.ExportFile{}, err
		}
		plan, err := usage.PlanExport(ctx, store, req.Payer, req.Period, format)
		if errors.Is(err, usage.ErrNoUsage) {
			err = &conductor.Error{Code: conductor.CodeNotFound, Message: err.Error() + ": import a CUR for it first"}
		}
		if err != nil {
			return restjson.ExportFile{}, err
		}
		opts, err := usage.ExportOptionsFor(ctx, svc, req.Payer, g, format)
		if err != nil {
			return restjson.ExportFile{}, err
		}
		write := func(w io.Writer) error {
			_, err := usage.ExportWith(ctx, store, req.Payer, g, req.Period, w, opts)
			return err
		}
		return restjson.ExportFile{Name: exportFileName(g.Name, req.Period, plan), ContentType: plan.MediaType(), Write: write}, nil
	}
}

// exportFileName is "<group>-<period><ext>", the group's name reduced to
// letters, digits, '.', '-' and '_'.
func exportFileName(group string, p conductor.Period, plan usage.ExportPlan) string {
	safe := strings.Map(func(r rune) rune {
		if r < 128 && (r == '.' || r == '-' || r == '_' || r >= '0' && r <= '9' || r >= 'a' && r <= 'z' || r >= 'A' && r <= 'Z') {
			return r
		}
		return '_'
	}, group)
	return safe + "-" + string(p) + plan.Ext()
}

// CheckUpload is the usage upload's content check on its first bytes (all
// of them when whole). Parquet and zip pass on their magic bytes, as their
// index is at the end; anything else must start with a CUR header row, as
// plain or gzip-compressed CSV, which cur.NewReader reads from the prefix.
// A header row the prefix cuts off passes: the import decides.
func CheckUpload(name string, prefix []byte, whole bool) error {
	if bytes.HasPrefix(prefix, []byte("PAR1")) || bytes.HasPrefix(prefix, []byte("PK\x03\x04")) {
		return nil
	}
	if !whole && !bytes.HasPrefix(prefix, []byte{0x1f, 0x8b}) {
		end := bytes.IndexByte(prefix, '\n')
		if end < 0 {
			return nil
		}
		prefix = prefix[:end+1]
	}
	r, err := cur.NewReader(bytes.NewReader(prefix), name)
	switch {
	case err == nil:
		return r.Close()
	case !whole && errors.Is(err, cur.ErrTruncated):
		return nil
	}
	return fmt.Errorf("%s is not a Cost and Usage Report: %w", name, err)
}
