package curtest

import (
	"archive/zip"
	"bytes"
	"compress/flate"
	"compress/gzip"
	"errors"
	"hash/crc32"
	"os"
)

// bombBlock is the plain bytes each repeated compressed block expands to.
const bombBlock = 1 << 20

// blockOfA returns bombBlock bytes of 'a'.
func blockOfA() []byte { return bytes.Repeat([]byte{'a'}, bombBlock) }

// writeGzipLineBomb writes a multi-member gzip file: a member holding
// LegacyHeader and the start of a record, then one member of 1 MiB of 'a'
// (about 1 KiB compressed) repeated until LineBombBytes.
func writeGzipLineBomb(path string) error {
	head, err := gzipMember([]byte(LegacyHeader + recordStart))
	if err != nil {
		return err
	}
	block, err := gzipMember(blockOfA())
	if err != nil {
		return err
	}
	f, err := os.Create(path)
	if err != nil {
		return err
	}
	_, err = f.Write(head)
	for n := 0; n < LineBombBytes && err == nil; n += bombBlock {
		_, err = f.Write(block)
	}
	return errors.Join(err, f.Close())
}

// gzipMember compresses b as one gzip member.
func gzipMember(b []byte) ([]byte, error) {
	var buf bytes.Buffer
	zw, err := gzip.NewWriterLevel(&buf, gzip.BestCompression)
	if err != nil {
		return nil, err
	}
	zw.Write(b)
	err = zw.Close()
	return buf.Bytes(), err
}

// writeZipLineBomb writes a zip archive of one deflated CSV entry with the
// same content as the gzip line bomb. A zip entry is one deflate stream, so
// the stream is assembled: the header's blocks up to a sync flush, then one
// self-contained block of 1 MiB of 'a' ending in a sync flush, repeated
// (each starts byte-aligned and refers only to its own output), then an
// empty final block. The CRC-32 is computed over the 2 GiB as it would be
// read (a fraction of a second).
func writeZipLineBomb(path string) error {
	head, err := deflateFlushed([]byte(LegacyHeader+recordStart), false)
	block, err2 := deflateFlushed(blockOfA(), false)
	tail, err3 := deflateFlushed(nil, true)
	if err := errors.Join(err, err2, err3); err != nil {
		return err
	}
	n := LineBombBytes / bombBlock
	crc := crc32.ChecksumIEEE([]byte(LegacyHeader + recordStart))
	a := blockOfA()
	for range n {
		crc = crc32.Update(crc, crc32.IEEETable, a)
	}
	size := len(LegacyHeader+recordStart) + n*bombBlock
	f, err := os.Create(path)
	if err != nil {
		return err
	}
	zw := zip.NewWriter(f)
	w, err := zw.CreateRaw(&zip.FileHeader{Name: "line-bomb.csv", Method: zip.Deflate, CRC32: crc,
		CompressedSize64: uint64(len(head) + n*len(block) + len(tail)), UncompressedSize64: uint64(size)})
	if err == nil {
		_, err = w.Write(head)
	}
	for i := 0; i < n && err == nil; i++ {
		_, err = w.Write(block)
	}
	if err == nil {
		_, err = w.Write(tail)
	}
	return errors.Join(err, zw.Close(), f.Close())
}

// deflateFlushed returns the raw deflate blocks of b from a fresh
// compressor: up to a sync flush (byte-aligned, not final), or, when final,
// only what Close adds after the flush.
func deflateFlushed(b []byte, final bool) ([]byte, error) {
	var buf bytes.Buffer
	fw, err := flate.NewWriter(&buf, flate.BestCompression)
	if err != nil {
		return nil, err
	}
	fw.Write(b)
	if err := fw.Flush(); err != nil {
		return nil, err
	}
	if !final {
		return bytes.Clone(buf.Bytes()), nil
	}
	flushed := buf.Len()
	err = fw.Close()
	return bytes.Clone(buf.Bytes()[flushed:]), err
}
