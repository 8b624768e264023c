package cur

import (
	"archive/zip"
	"fmt"
	"io"
)

// countReader counts the bytes read through it: the compressed bytes a
// gzip stream has consumed (a read-ahead buffer's worth early).
type countReader struct {
	r io.Reader
	n int64
}

func (c *countReader) Read(p []byte) (int, error) {
	n, err := c.r.Read(p)
	c.n += int64(n)
	return n, err
}

func (c *countReader) count() int64 { return c.n }

// boundedReader passes decompressed bytes through while they stay within
// the limits: at most MaxDecompressedBytes in all, and at most MaxRatio
// times the compressed bytes consumed so far (checked once RatioSlack
// bytes have come out). Past a limit it returns the error, sticky.
type boundedReader struct {
	r   io.Reader
	in  func() int64 // compressed bytes consumed
	out int64
	l   *Limits
	err error
}

func newBoundedReader(r io.Reader, in func() int64, l *Limits) *boundedReader {
	return &boundedReader{r: r, in: in, l: l}
}

func (b *boundedReader) Read(p []byte) (int, error) {
	if b.err != nil {
		return 0, b.err
	}
	n, err := b.r.Read(p)
	b.out += int64(n)
	switch {
	case b.out > b.l.MaxDecompressedBytes:
		b.err = limitf("decompressed more than %d bytes", b.l.MaxDecompressedBytes)
	case b.l.ratioExceeded(b.out, b.in()):
		b.err = b.l.errRatio()
	}
	if b.err != nil {
		return n, b.err
	}
	return n, err
}

// checkZipEntry checks the sizes a zip entry declares in the central
// directory against the limits.
func checkZipEntry(f *zip.File, l *Limits) error {
	size, packed := f.UncompressedSize64, f.CompressedSize64
	if size > uint64(l.MaxDecompressedBytes) {
		return limitf("%s declares %d bytes, more than %d", f.Name, size, l.MaxDecompressedBytes)
	}
	if packed > 1<<62 || l.ratioExceeded(int64(size), int64(packed)) {
		return fmt.Errorf("%s declares %d bytes compressed to %d: %w", f.Name, size, packed, l.errRatio())
	}
	return nil
}
