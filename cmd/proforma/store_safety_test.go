package main

import (
	"bytes"
	"context"
	"crypto/sha256"
	"database/sql"
	"errors"
	"fmt"
	"net/url"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/proforma-dev/proforma/internal/conductor"
	"github.com/proforma-dev/proforma/internal/harness"
	"github.com/proforma-dev/proforma/internal/sqlite"
)

// runProformaFailing runs a proforma command that must fail, with a
// bound, and returns its standard error.
func runProformaFailing(t *testing.T, env []string, args ...string) string {
	t.Helper()
	ctx, cancel := context.WithTimeout(context.Background(), 30*time.Second)
	defer cancel()
	cmd := exec.CommandContext(ctx, proformaBinary(t), args...)
	cmd.Env = append(os.Environ(), env...)
	var stdout, stderr bytes.Buffer
	cmd.Stdout, cmd.Stderr = &stdout, &stderr
	if err := cmd.Run(); err == nil || ctx.Err() != nil {
		t.Fatalf("proforma %s: %v, want it to fail\nstdout:\n%s\nstderr:\n%s", strings.Join(args, " "), err, stdout.String(), stderr.String())
	}
	return stderr.String()
}

// engineStore imports engineCUR into a new data directory and creates the
// group "resold" priced over it; it returns the data directory and the CUR.
func engineStore(t *testing.T) (data, cur string) {
	t.Helper()
	data, cur = t.TempDir(), filepath.Join(t.TempDir(), "october.csv")
	if err := os.WriteFile(cur, []byte(engineCUR), 0o644); err != nil {
		t.Fatal(err)
	}
	runProforma(t, "import", "--data", data, "--quiet", cur)
	p := startProforma(t, data, "--now", "2026-10-15")
	createMarkupGroup(t, p.URL)
	p.Stop()
	return data, cur
}

// A damaged store is refused by every command, with what to do.
func TestDamagedStoreIsRefused(t *testing.T) {
	data, cur := engineStore(t)
	pristine, err := os.ReadFile(filepath.Join(data, sqlite.FileName))
	if err != nil {
		t.Fatal(err)
	}
	damages := []struct {
		name   string
		damage func(t *testing.T)
		detail string
	}{
		{"a page of the records overwritten", func(t *testing.T) { damageRecordsPage(t, data, pristine) }, "quick_check: "},
		{"not a database", func(t *testing.T) {
			text := strings.Repeat("proforma.db is not this text\n", 1000)
			if err := os.WriteFile(filepath.Join(data, sqlite.FileName), []byte(text), 0o644); err != nil {
				t.Fatal(err)
			}
		}, "quick_check: file is not a database"},
	}
	commands := [][]string{
		{"serve", "--data", data, "--addr", "127.0.0.1:0"},
		{"import", "--data", data, "--quiet", cur},
		{"report", "--data", data},
		{"export", "--data", data, "--billing-group", "resold", "--out", filepath.Join(t.TempDir(), "out.csv")},
	}
	for _, d := range damages {
		t.Run(d.name, func(t *testing.T) {
			d.damage(t)
			for _, args := range commands {
				stderr := runProformaFailing(t, nil, args...)
				want := fmt.Sprintf("proforma: the store in %s is damaged (%s", data, d.detail)
				if !strings.HasPrefix(stderr, want) || !strings.Contains(stderr, "restore it from a backup, or move "+data+" away to start empty; "+
					"`sqlite3 "+filepath.Join(data, sqlite.FileName)+" .recover` may save its data") {
					t.Errorf("proforma %s: stderr\n%s\nwant it to start %q and say what to do", args[0], stderr, want)
				}
			}
			t.Logf("the message: %s", runProformaFailing(t, nil, "report", "--data", data))
		})
	}
}

// damageRecordsPage writes the pristine database back into data with a
// leaf page in the middle of the records b-tree overwritten, and checks
// that quick_check sees it (else the test would prove nothing).
func damageRecordsPage(t *testing.T, data string, pristine []byte) {
	t.Helper()
	path := filepath.Join(data, sqlite.FileName)
	for _, suffix := range []string{"-wal", "-shm"} {
		os.Remove(path + suffix)
	}
	if err := os.WriteFile(path, pristine, 0o644); err != nil {
		t.Fatal(err)
	}
	var page, pageSize int64
	err := query(t, path, `SELECT pageno, pgsize FROM dbstat WHERE name = 'records' AND pagetype = 'leaf'
		ORDER BY pageno LIMIT 1 OFFSET (SELECT count(*) / 2 FROM dbstat WHERE name = 'records' AND pagetype = 'leaf')`, &page, &pageSize)
	if err != nil {
		t.Fatal(err)
	}
	damaged := bytes.Clone(pristine)
	copy(damaged[(page-1)*pageSize:page*pageSize], bytes.Repeat([]byte{0xA5}, int(pageSize)))
	if err := os.WriteFile(path, damaged, 0o644); err != nil {
		t.Fatal(err)
	}
	var result string
	if err := query(t, path, `PRAGMA quick_check`, &result); err == nil && result == "ok" {
		t.Fatalf("quick_check finds page %d overwritten fine: the test's damage proves nothing", page)
	}
}

// query runs one query on the database file at path, opened read-only
// for it alone, and scans its first row into dest.
func query(t *testing.T, path, q string, dest ...any) error {
	t.Helper()
	db, err := sql.Open("sqlite", "file:"+path+"?mode=ro&immutable=1")
	if err != nil {
		t.Fatal(err)
	}
	defer db.Close()
	return db.QueryRow(q).Scan(dest...)
}

// fileState is a file's content hash, size and modification time.
type fileState struct {
	Hash     [32]byte
	Size     int64
	Modified time.Time
}

// dirState records every file of a directory.
func dirState(t *testing.T, dir string) map[string]fileState {
	t.Helper()
	entries, err := os.ReadDir(dir)
	if err != nil {
		t.Fatal(err)
	}
	out := map[string]fileState{}
	for _, e := range entries {
		if e.IsDir() {
			continue
		}
		info, err := e.Info()
		if err != nil {
			t.Fatal(err)
		}
		data, err := os.ReadFile(filepath.Join(dir, e.Name()))
		if err != nil {
			t.Fatal(err)
		}
		out[e.Name()] = fileState{sha256.Sum256(data), info.Size(), info.ModTime()}
	}
	return out
}

// copyReadOnly copies the files of src into a new directory and removes
// the write permission bits of both (root ignores them: the store honours
// them all the same); they come back at the end of the test.
func copyReadOnly(t *testing.T, src string) string {
	t.Helper()
	dst := t.TempDir()
	entries, err := os.ReadDir(src)
	if err != nil {
		t.Fatal(err)
	}
	for _, e := range entries {
		if e.IsDir() { // the store is files; a server's upload spool is not part of it
			continue
		}
		data, err := os.ReadFile(filepath.Join(src, e.Name()))
		if err != nil {
			t.Fatal(err)
		}
		if err := os.WriteFile(filepath.Join(dst, e.Name()), data, 0o444); err != nil {
			t.Fatal(err)
		}
	}
	if err := os.Chmod(dst, 0o555); err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { os.Chmod(dst, 0o755) })
	return dst
}

// report and export work on a read-only copy of a store, and leave it as
// it was, byte for byte; a write through it fails. On the original store
// they leave the database file as it was.
func TestReportAndExportReadOnly(t *testing.T) {
	data, _ := engineStore(t)
	out := t.TempDir()
	read := func(data, name string) (report, export string) {
		report = runProforma(t, "report", "--data", data, "--format", "json", "--by-service")
		path := filepath.Join(out, name)
		runProforma(t, "export", "--data", data, "--billing-group", "resold", "--out", path)
		exported, err := os.ReadFile(path)
		if err != nil {
			t.Fatal(err)
		}
		return report, string(exported)
	}
	db := filepath.Join(data, sqlite.FileName)
	before := dirState(t, data)[sqlite.FileName]
	time.Sleep(20 * time.Millisecond) // a write would show in the modification time
	wantReport, wantExport := read(data, "original.csv")
	if after := dirState(t, data)[sqlite.FileName]; after != before {
		t.Errorf("report and export changed %s: %+v, was %+v", db, after, before)
	}
	checkExport(t, filepath.Join(out, "original.csv"))

	ro := copyReadOnly(t, data)
	state := dirState(t, ro)
	time.Sleep(20 * time.Millisecond)
	gotReport, gotExport := read(ro, "copy.csv")
	if gotReport != wantReport || gotExport != wantExport {
		t.Errorf("on the read-only copy: report\n%s\nexport\n%s\nwant\n%s\n%s", gotReport, gotExport, wantReport, wantExport)
	}
	if after := dirState(t, ro); fmt.Sprint(after) != fmt.Sprint(state) {
		t.Errorf("report and export changed the read-only copy:\n%v\nwas\n%v", after, state)
	}
	s, err := sqlite.OpenReadOnly(ro)
	if err != nil {
		t.Fatal(err)
	}
	defer s.Close()
	err = s.Update(context.Background(), func(tx conductor.Tx) error { return tx.Put("p", "k", "a", conductor.Timeless, []byte("x")) })
	if !errors.Is(err, sqlite.ErrReadOnly) {
		t.Errorf("a write through the read-only store: %v, want ErrReadOnly", err)
	}
}

// --data defaults to $PROFORMA_DATA for serve, import, report and export.
func TestDataFromEnvironment(t *testing.T) {
	data := filepath.Join(t.TempDir(), "from-env")
	cur := filepath.Join(t.TempDir(), "october.csv")
	if err := os.WriteFile(cur, []byte(engineCUR), 0o644); err != nil {
		t.Fatal(err)
	}
	t.Setenv(dataEnv, data) // the binaries inherit it
	runProforma(t, "import", "--quiet", cur)
	if _, err := os.Stat(filepath.Join(data, sqlite.FileName)); err != nil {
		t.Fatalf("import without --data: %v", err)
	}
	checkServeReadsDataEnv(t, data)
	p := startProforma(t, data, "--now", "2026-10-15") // the test helpers pass --data
	createMarkupGroup(t, p.URL)
	p.Stop()
	if report := runProforma(t, "report", "--format", "csv"); !strings.Contains(report, ",resold,,1.404,7.6444,") {
		t.Errorf("report without --data:\n%s", report)
	}
	exported := filepath.Join(t.TempDir(), "out.csv")
	runProforma(t, "export", "--billing-group", "resold", "--out", exported)
	checkExport(t, exported)
}

// checkServeReadsDataEnv checks serve's --data default in process.
func checkServeReadsDataEnv(t *testing.T, data string) {
	t.Helper()
	m := NewMain(&bytes.Buffer{})
	if err := m.ParseFlags(nil); err != nil {
		t.Fatal(err)
	}
	if m.Config.DataDir != data {
		t.Errorf("serve --data default = %q with %s=%q", m.Config.DataDir, dataEnv, data)
	}
}

// A PostgreSQL URL's password appears in no help, log or error.
func TestDSNPasswordIsNeverShown(t *testing.T) {
	const secret = "pr0f0rma-s3cret"
	dsns := []string{
		"postgres://app:" + secret + "@127.0.0.1:1/billing?sslmode=disable&connect_timeout=2",
		"postgres://app@127.0.0.1:1/billing?sslmode=disable&connect_timeout=2&password=" + secret,
	}
	for _, dsn := range dsns {
		t.Setenv(dataEnv, dsn)
		var help bytes.Buffer
		NewMain(&help).ParseFlags([]string{"-h"})
		outputs := map[string]string{"serve -h": help.String()}
		for _, cmd := range [][]string{{"serve", "--addr", "127.0.0.1:0"}, {"import", "--quiet", "x.csv"}, {"report"}, {"export", "--billing-group", "g"}, {"import", "-h"}} {
			outputs[strings.Join(cmd, " ")] = runProformaFailing(t, nil, cmd...) // from the environment
			outputs[strings.Join(cmd, " ")+" --data"] = runProformaFailing(t, nil, append(cmd, "--data", dsn)...)
		}
		for name, out := range outputs {
			if strings.Contains(out, secret) {
				t.Errorf("proforma %s shows the password:\n%s", name, out)
			}
		}
		if !strings.Contains(outputs["report"], "open store postgres://app") {
			t.Errorf("report: %s", outputs["report"])
		}
	}
}

// `--data postgres:` (and a URL without host details) takes the connection
// from the PG* variables, for serve, import, report and export.
func TestDataFromPGEnvironment(t *testing.T) {
	dsn := harness.PostgresSchema(t)
	setPGEnv(t, dsn, "pg-env-s3cret")
	cur := filepath.Join(t.TempDir(), "october.csv")
	if err := os.WriteFile(cur, []byte(engineCUR), 0o644); err != nil {
		t.Fatal(err)
	}
	t.Setenv(dataEnv, "postgres://")
	out := runProforma(t, "import", "--quiet", cur)
	if !strings.Contains(out, "billing period 2026-10 of payer 123456789012: 5 lines") {
		t.Errorf("import into postgres://:\n%s", out)
	}
	p := startProforma(t, "postgres:", "--now", "2026-10-15")
	createMarkupGroup(t, p.URL)
	p.Stop()
	if strings.Contains(p.output.String(), "pg-env-s3cret") {
		t.Errorf("serve shows the password:\n%s", p.output.String())
	}
	if report := runProforma(t, "report", "--format", "csv"); !strings.Contains(report, ",resold,,1.404,7.6444,") {
		t.Errorf("report from postgres://:\n%s", report)
	}
	exported := filepath.Join(t.TempDir(), "out.csv")
	runProforma(t, "export", "--data", "postgres:", "--billing-group", "resold", "--out", exported)
	checkExport(t, exported)
}

// setPGEnv sets, for the test, the PG* environment variables that say
// what a postgres:// URL says (its search_path as PGOPTIONS), and a
// password (the test server trusts any).
func setPGEnv(t *testing.T, dsn, password string) {
	t.Helper()
	u, err := url.Parse(dsn)
	if err != nil {
		t.Fatal(err)
	}
	if p, ok := u.User.Password(); ok {
		password = p
	}
	q := u.Query()
	options := ""
	if sp := q.Get("search_path"); sp != "" {
		options = "-c search_path=" + sp
	}
	for name, value := range map[string]string{"PGHOST": u.Hostname(), "PGPORT": u.Port(), "PGUSER": u.User.Username(),
		"PGPASSWORD": password, "PGDATABASE": strings.TrimPrefix(u.Path, "/"), "PGSSLMODE": q.Get("sslmode"), "PGOPTIONS": options} {
		t.Setenv(name, value)
	}
}
