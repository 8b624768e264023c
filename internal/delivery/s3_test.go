package delivery

import (
	"bytes"
	"context"
	"io"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/google/go-cmp/cmp"
	"github.com/proforma-dev/proforma/internal/delivery/s3test"
)

// TestS3 resolves the legacy and Data Exports layouts uploaded to a real
// S3 server (moto) exactly as it resolves them on disk.
func TestS3(t *testing.T) {
	endpoint := s3test.Start(t)
	s3test.Setenv(t, endpoint)
	root := t.TempDir()
	files := legacyTree(t)
	for k, v := range exportsTree(t) {
		files[k] = v
	}
	files["loose/extra.csv"] = curCSV
	// A larger object (several read buffers) among the older version's files.
	files[period+"/"+asmOld+"/report-2.csv.gz"] = strings.Repeat("0123456789abcdef", 3<<16)
	tree(t, root, files)
	s3test.Upload(t, endpoint, "cur-bucket", root, "mirror/v1")
	ctx := context.Background()

	t.Run("same plan as local", func(t *testing.T) {
		want := view(resolveLocal(t, root), relTo(t, root))
		got := view(resolveS3(t, "s3://cur-bucket/mirror/v1"), func(k string) string { return strings.TrimPrefix(k, "mirror/v1/") })
		if diff := cmp.Diff(want, got); diff != "" {
			t.Errorf("(-local +s3):\n%s", diff)
		}
		if len(got.Periods) != 2 || len(got.Loose) != 1 {
			t.Errorf("plan = %+v, want two periods and one loose file", got)
		}
	})
	t.Run("prefix is a folder or one object", func(t *testing.T) {
		for arg, want := range map[string]int{
			"s3://cur-bucket/mirror/v":                  0, // not "mirror/v1/…"
			"s3://cur-bucket/mirror/v1/":                7,
			"s3://cur-bucket":                           7,
			"s3://cur-bucket/mirror/v1/loose/extra.csv": 1,
		} {
			s, err := OpenSource(ctx, arg)
			if err != nil {
				t.Fatal(err)
			}
			objs, err := s.List(ctx)
			if err != nil {
				t.Fatal(err)
			}
			data, _ := split(objs)
			if len(data) != want {
				t.Errorf("%s lists %d data files, want %d", arg, len(data), want)
			}
		}
	})
	t.Run("listing pages", func(t *testing.T) {
		s, err := OpenSource(ctx, "s3://cur-bucket/mirror/v1")
		if err != nil {
			t.Fatal(err)
		}
		whole, err := s.List(ctx)
		if err != nil {
			t.Fatal(err)
		}
		s.(*s3Source).pageSize = 2
		paged, err := s.List(ctx)
		if err != nil {
			t.Fatal(err)
		}
		if diff := cmp.Diff(whole, paged); diff != "" || len(whole) < 5 {
			t.Errorf("listing by pages of 2 differs (-whole +paged):\n%s", diff)
		}
	})
	t.Run("AWS_ENDPOINT_URL serves too", func(t *testing.T) {
		t.Setenv("AWS_ENDPOINT_URL_S3", "")
		t.Setenv("AWS_ENDPOINT_URL", endpoint)
		if plan := resolveS3(t, "s3://cur-bucket/mirror/v1"); len(plan.Periods) != 2 {
			t.Errorf("Periods = %+v, want two", plan.Periods)
		}
	})
	t.Run("file argument is loose", func(t *testing.T) {
		key := "mirror/v1/" + period + "/report-Manifest.json"
		plan := resolveS3(t, "s3://cur-bucket/"+key)
		if len(plan.Loose) != 1 || plan.Loose[0].Key != key || len(plan.Periods) != 0 {
			t.Errorf("plan = %+v, want only %s loose", plan, key)
		}
	})
	t.Run("Local and Open stream the bytes", func(t *testing.T) {
		s, plan := openResolve(t, "s3://cur-bucket/mirror/v1")
		var objs []Object
		for _, p := range plan.Periods {
			objs = append(append(objs, p.Files...), p.Left...)
		}
		for _, o := range append(objs, plan.Loose...) {
			want, err := os.ReadFile(filepath.Join(root, filepath.FromSlash(strings.TrimPrefix(o.Key, "mirror/v1/"))))
			if err != nil {
				t.Fatal(err)
			}
			p, cleanup, err := s.Local(ctx, o)
			if err != nil {
				t.Fatal(err)
			}
			got, err := os.ReadFile(p)
			if err != nil || !bytes.Equal(got, want) {
				t.Errorf("Local(%s): %d bytes, %v; want the %d uploaded", o.Key, len(got), err, len(want))
			}
			if !strings.HasSuffix(p, filepath.Base(o.Key)) {
				t.Errorf("Local(%s) = %s: want the object's name kept as the suffix", o.Key, p)
			}
			cleanup()
			if _, err := os.Stat(p); !os.IsNotExist(err) {
				t.Errorf("cleanup left %s: %v", p, err)
			}
			rc, err := s.Open(ctx, o.Key)
			if err != nil {
				t.Fatal(err)
			}
			got, err = io.ReadAll(rc)
			rc.Close()
			if err != nil || !bytes.Equal(got, want) {
				t.Errorf("Open(%s): %d bytes, %v; want the %d uploaded", o.Key, len(got), err, len(want))
			}
		}
	})
	t.Run("fingerprint follows ETags", func(t *testing.T) {
		s, first := openResolve(t, "s3://cur-bucket/mirror/v1")
		_, again := openResolve(t, "s3://cur-bucket/mirror/v1")
		for i := range first.Periods {
			if first.Periods[i].Fingerprint != again.Periods[i].Fingerprint {
				t.Errorf("%s: fingerprint changed with nothing changed", first.Periods[i].Period)
			}
			if first.Periods[i].Files[0].ETag == "" {
				t.Errorf("%s: no ETag listed", first.Periods[i].Files[0].Key)
			}
		}
		// Same size, other content: only the ETag tells.
		stale := first.Periods[0].Files[0]
		dir := t.TempDir()
		rel := strings.TrimPrefix(stale.Key, "mirror/v1/")
		changed := strings.Replace(files[rel], "1.5", "2.5", 1)
		tree(t, dir, map[string]string{rel: changed})
		s3test.Upload(t, endpoint, "cur-bucket", dir, "mirror/v1")
		_, after := openResolve(t, "s3://cur-bucket/mirror/v1")
		if after.Periods[0].Fingerprint == first.Periods[0].Fingerprint {
			t.Errorf("%s: fingerprint unchanged after re-upload", first.Periods[0].Period)
		}
		if after.Periods[1].Fingerprint != first.Periods[1].Fingerprint {
			t.Errorf("%s: fingerprint changed though its files did not", first.Periods[1].Period)
		}
		if _, _, err := s.Local(ctx, stale); err == nil || !strings.Contains(err.Error(), "changed since it was listed") {
			t.Errorf("Local of a changed object by its old listing: %v, want an error naming it", err)
		} else {
			t.Logf("stale Local: %v", err)
		}
	})
}

func openResolve(t testing.TB, arg string) (Source, *Plan) {
	t.Helper()
	ctx := context.Background()
	s, err := OpenSource(ctx, arg)
	if err != nil {
		t.Fatal(err)
	}
	plan, err := Resolve(ctx, s)
	if err != nil {
		t.Fatalf("Resolve(%s): %v", arg, err)
	}
	return s, plan
}

func resolveS3(t testing.TB, arg string) *Plan {
	t.Helper()
	_, plan := openResolve(t, arg)
	return plan
}
