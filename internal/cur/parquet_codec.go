package cur

import (
	"bytes"
	"encoding/binary"
	"fmt"
	"io"

	"github.com/andybalholm/brotli"
	"github.com/klauspost/compress/gzip"
	"github.com/klauspost/compress/snappy"
	"github.com/klauspost/compress/zstd"
	"github.com/pierrec/lz4/v4"
)

// pageVerifier checks, before parquet-go decompresses a page, that the page
// cannot make it allocate more than the page header claims (which the
// header check bounds by the limits):
//
//   - SNAPPY: parquet-go allocates the length written at the start of the
//     block, so that length must not exceed the header's claim;
//   - GZIP and BROTLI: parquet-go doubles its buffer until the stream ends,
//     so the stream is decompressed here into a counter, stopping one byte
//     past the claim;
//   - ZSTD: parquet-go allocates each frame's declared content size, so the
//     page is decoded here into a buffer of the claimed size that may not
//     grow;
//   - LZ4_RAW: parquet-go doubles its buffer for as long as decoding fails,
//     forever on a corrupt block, so the block is decoded here into a
//     buffer of the claimed size.
//
// These codecs cost a second decompression of each page; SNAPPY (what AWS
// writes) and UNCOMPRESSED cost nothing, except in repeated (list and map)
// columns, whose data pages are decompressed here for their repetition
// levels (parquet_rows.go).
type pageVerifier struct {
	ra       io.ReaderAt
	codec    int32
	limits   *Limits
	src, dst []byte        // reused by ZSTD and LZ4_RAW
	zstd     *zstd.Decoder // made on first use
}

// verify checks the page whose data starts at byte at. With levels set
// (a data page of a repeated column) it also returns the bytes that start
// with its repetition levels: the page decompressed (v1), or its
// uncompressed level bytes (v2).
func (v *pageVerifier) verify(at int64, p *pqPage, levels bool) ([]byte, error) {
	if p.typ != pageData && p.typ != pageDictionary && p.typ != pageDataV2 {
		return nil, nil // parquet-go refuses other page types without decompressing them
	}
	levels = levels && p.typ != pageDictionary
	n := p.compressed - p.levels
	var plain []byte
	var err error
	if v.codec != codecUncompressed && !p.notCompress && n > 0 {
		plain, err = v.decompress(at+p.levels, n, p.uncompressed, levels && p.typ == pageData)
		if err != nil {
			return nil, fmt.Errorf("%s page: %w", codecNames[v.codec], err)
		}
	}
	switch {
	case levels && p.typ == pageDataV2:
		return v.read(at, p.levels)
	case levels && plain == nil:
		return v.read(at, p.compressed)
	}
	return plain, nil
}

// decompress checks n compressed bytes at at against the claimed size;
// with keep set it returns them decompressed.
func (v *pageVerifier) decompress(at, n, claim int64, keep bool) ([]byte, error) {
	switch v.codec {
	case codecSnappy:
		return v.snappy(at, n, claim, keep)
	case codecGzip, codecBrotli:
		return v.stream(at, n, claim, keep)
	case codecZstd:
		return v.zstdPage(at, n, claim)
	case codecLz4Raw:
		return v.lz4Page(at, n, claim)
	}
	return nil, nil
}

func (v *pageVerifier) close() {
	if v.zstd != nil {
		v.zstd.Close()
	}
}

// snappy checks the decoded length at the start of a snappy block; with
// keep set it decodes the block.
func (v *pageVerifier) snappy(at, n, claim int64, keep bool) ([]byte, error) {
	var b [binary.MaxVarintLen64]byte
	k, err := v.ra.ReadAt(b[:min(n, int64(len(b)))], at)
	if k == 0 {
		return nil, err
	}
	size, m := binary.Uvarint(b[:k])
	if m <= 0 {
		return nil, fmt.Errorf("%w: bad block length", errThrift)
	}
	if size > uint64(claim) {
		return nil, limitf("block claims %d bytes, the page header %d", size, claim)
	}
	if !keep {
		return nil, nil
	}
	src, err := v.read(at, n)
	if err != nil {
		return nil, err
	}
	v.dst = grow(v.dst, claim)
	return snappy.Decode(v.dst[:claim], src)
}

// stream decompresses a gzip or brotli page into a counter, stopping one
// byte past the claim; with keep set, into a buffer.
func (v *pageVerifier) stream(at, n, claim int64, keep bool) ([]byte, error) {
	src := io.NewSectionReader(v.ra, at, n)
	var r io.Reader
	if v.codec == codecGzip {
		zr, err := gzip.NewReader(src)
		if err != nil {
			return nil, err
		}
		defer zr.Close()
		r = zr
	} else {
		r = brotli.NewReader(src)
	}
	var out bytes.Buffer
	w := io.Discard
	if keep {
		out.Grow(int(claim + 1))
		w = &out
	}
	got, err := io.CopyN(w, r, claim+1)
	if got > claim {
		return nil, limitf("data expands to more than the %d bytes the page header claims", claim)
	}
	if err != nil && err != io.EOF {
		return nil, err
	}
	return out.Bytes(), nil
}

// zstdPage decodes a zstd page into a buffer of the claimed size.
func (v *pageVerifier) zstdPage(at, n, claim int64) ([]byte, error) {
	if v.zstd == nil {
		d, err := zstd.NewReader(nil, zstd.WithDecoderConcurrency(1), zstd.WithDecodeAllCapLimit(true),
			zstd.WithDecoderMaxMemory(uint64(v.limits.MaxParquetPageBytes)))
		if err != nil {
			return nil, err
		}
		v.zstd = d
	}
	src, err := v.read(at, n)
	if err != nil {
		return nil, err
	}
	v.dst = grow(v.dst, claim)
	out, err := v.zstd.DecodeAll(src, v.dst[:0:claim])
	if err != nil {
		return nil, fmt.Errorf("%w (the page header claims %d bytes)", err, claim)
	}
	return out, nil
}

// lz4Page decodes an LZ4_RAW block into a buffer of the claimed size.
func (v *pageVerifier) lz4Page(at, n, claim int64) ([]byte, error) {
	src, err := v.read(at, n)
	if err != nil {
		return nil, err
	}
	v.dst = grow(v.dst, claim)
	k, err := lz4.UncompressBlock(src, v.dst[:claim])
	if err != nil {
		return nil, fmt.Errorf("%w (corrupt, or more than the %d bytes the page header claims)", err, claim)
	}
	return v.dst[:k], nil
}

// read reads n bytes at at into the reused source buffer.
func (v *pageVerifier) read(at, n int64) ([]byte, error) {
	v.src = grow(v.src, n)
	b := v.src[:n]
	if _, err := v.ra.ReadAt(b, at); err != nil {
		return nil, err
	}
	return b, nil
}

// grow returns b with a capacity of at least n.
func grow(b []byte, n int64) []byte {
	if int64(cap(b)) < n {
		return make([]byte, n)
	}
	return b
}
