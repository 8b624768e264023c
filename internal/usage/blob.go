package usage

import (
	"bufio"
	"bytes"
	"context"
	"io"
	"os"

	"github.com/klauspost/compress/s2"

	"github.com/proforma-dev/proforma/internal/conductor"
	"github.com/proforma-dev/proforma/internal/cur"
)

// chunkSize is the size of a stored file chunk: large enough that a
// transaction per chunk costs little, small enough to keep memory flat.
const chunkSize = 8 << 20

// storeFile stages a file's bytes in chunks, compressing plain CSV as an
// S2 stream (compressed inputs and Parquet are stored as they are). It
// returns the number of chunks and the codec (Blob.Codec).
func (r *importRun) storeFile(ctx context.Context, path, blob string) (chunks int, codec string, err error) {
	f, err := os.Open(path)
	if err != nil {
		return 0, "", &cur.Error{File: path, Err: err}
	}
	defer f.Close()
	br := bufio.NewReaderSize(f, 1<<20)
	cw := &chunkWriter{ctx: ctx, run: r, blob: blob}
	var w io.WriteCloser = nopCloser{cw}
	if magic, _ := br.Peek(4); !compressed(magic) {
		w, codec = s2.NewWriter(cw), codecS2
	}
	if _, err := io.Copy(w, br); err != nil {
		return 0, "", err
	}
	if err := w.Close(); err != nil {
		return 0, "", err
	}
	return cw.chunks, codec, cw.flush()
}

// compressed reports whether a file starts as gzip, zip or Parquet.
func compressed(magic []byte) bool {
	for _, m := range [][]byte{{0x1f, 0x8b}, []byte("PK\x03\x04"), []byte("PAR1")} {
		if bytes.HasPrefix(magic, m) {
			return true
		}
	}
	return false
}

type nopCloser struct{ io.Writer }

func (nopCloser) Close() error { return nil }

// chunkWriter writes a blob's bytes as chunks, one store blob and one
// transaction each.
type chunkWriter struct {
	ctx    context.Context
	run    *importRun
	blob   string
	buf    bytes.Buffer
	chunks int
}

func (w *chunkWriter) Write(p []byte) (int, error) {
	w.buf.Write(p)
	if w.buf.Len() >= chunkSize {
		if err := w.flush(); err != nil {
			return 0, err
		}
	}
	return len(p), nil
}

// flush stores the buffered bytes as the next chunk, and records it in
// the import's staging record in the same transaction, so that a killed
// import leaves nothing untracked.
func (w *chunkWriter) flush() error {
	if w.buf.Len() == 0 {
		return nil
	}
	id := chunkID(w.blob, w.chunks)
	err := update(w.ctx, w.run.Store, func(tx conductor.Tx) error {
		if err := tx.PutBlob(id, w.buf.Bytes()); err != nil {
			return err
		}
		return touch(tx, w.run.id, w.run.now(), id)
	})
	if err != nil {
		return err
	}
	w.chunks++
	w.buf.Reset()
	return nil
}

// blobReader streams a stored file back, one chunk at a time.
type blobReader struct {
	tx  conductor.Tx
	ids []string
	cur *bytes.Reader
}

// newBlobReader reads a stored file's bytes as they were imported.
func newBlobReader(tx conductor.Tx, b Blob) io.Reader {
	r := &blobReader{tx: tx, ids: b.chunkIDs()}
	if b.Codec == codecS2 {
		return s2.NewReader(r)
	}
	return r
}

func (r *blobReader) Read(p []byte) (int, error) {
	for r.cur == nil || r.cur.Len() == 0 {
		if len(r.ids) == 0 {
			return 0, io.EOF
		}
		data, ok, err := r.tx.GetBlob(r.ids[0])
		if err != nil {
			return 0, err
		}
		if !ok {
			return 0, io.ErrUnexpectedEOF
		}
		r.ids, r.cur = r.ids[1:], bytes.NewReader(data)
	}
	return r.cur.Read(p)
}
