package delivery

import (
	"context"
	"fmt"
	"io"
	"os"
	"path/filepath"

	"github.com/proforma-dev/proforma/internal/cur"
)

// localSource is a local folder or file, walked as cur.Files walks it.
type localSource struct {
	path string
	file bool // path is a file: it is the whole source
}

func openLocal(path string) (*localSource, error) {
	info, err := os.Stat(path)
	if err != nil {
		return nil, fmt.Errorf("delivery: %w", err)
	}
	return &localSource{path: path, file: !info.IsDir()}, nil
}

func (s *localSource) String() string { return s.path }

func (s *localSource) root() string { return s.path }

// layoutKey is a path made absolute (as it is, if that fails), slash-separated.
func (s *localSource) layoutKey(key string) string {
	if abs, err := filepath.Abs(key); err == nil {
		key = abs
	}
	return filepath.ToSlash(key)
}

// List returns the data files and manifests under the folder (cur.Listing:
// cur.Files's walk, links, skips and natural order, which is the order of
// keys here), or the file itself.
func (s *localSource) List(ctx context.Context) ([]Object, error) {
	paths, err := cur.Listing(s.path)
	if err != nil {
		return nil, err
	}
	out := make([]Object, 0, len(paths))
	for _, p := range paths {
		if err := ctx.Err(); err != nil {
			return nil, err
		}
		info, err := os.Stat(p)
		if err != nil {
			return nil, fmt.Errorf("delivery: %w", err)
		}
		out = append(out, Object{Key: p, Size: info.Size(), ModTime: info.ModTime()})
	}
	return out, nil
}

func (s *localSource) Open(_ context.Context, key string) (io.ReadCloser, error) {
	return os.Open(key)
}

func (s *localSource) Local(_ context.Context, o Object) (string, func(), error) {
	return o.Key, func() {}, nil
}

// notCUR sniffs a loose file of a folder as cur.Scan does; a file named
// as the source is never skipped.
func (s *localSource) notCUR(o Object) error {
	if s.file {
		return nil
	}
	return cur.Sniff(o.Key)
}
