package curtest

import (
	"bytes"
	"encoding/binary"
	"fmt"
	"time"

	"github.com/parquet-go/parquet-go"
	"github.com/parquet-go/parquet-go/encoding/thrift"
	"github.com/parquet-go/parquet-go/format"
)

// MapRow is a CUR 2.0-like row whose last column is the product map.
type MapRow struct {
	Row
	Product map[string]string `parquet:"product"`
}

// RowBombParquet returns a valid CUR Parquet file of one row whose product
// map holds pages×perPage entries (about 40 bytes a page): run-length
// encoding of a one-entry dictionary, data pages (v1) of perPage values
// each, the row continuing from page to page. parquet-go builds a row
// whole, 24 bytes a value, before anything can look at it.
func RowBombParquet(pages int, perPage int32) ([]byte, error) {
	var buf bytes.Buffer
	period := time.Date(2026, 10, 1, 0, 0, 0, 0, time.UTC)
	row := MapRow{Row: Row{PeriodStart: period, BillingEntity: "AWS", Payer: "123456789012", UsageAccount: "100000000001",
		LineItemType: "Usage", ProductCode: "AmazonEC2", UsageType: "BoxUsage", Operation: "RunInstances", Currency: "USD"},
		Product: map[string]string{"k": "v"}}
	w := parquet.NewGenericWriter[MapRow](&buf, parquet.Compression(&parquet.Uncompressed))
	if _, err := w.Write([]MapRow{row}); err != nil {
		return nil, err
	}
	if err := w.Close(); err != nil {
		return nil, err
	}
	return replaceMapChunks(buf.Bytes(), pages, perPage)
}

// replaceMapChunks replaces the last two column chunks (the map's key and
// value leaves, the last data before the footer) with run-length bombs.
func replaceMapChunks(data []byte, pages int, perPage int32) ([]byte, error) {
	f, err := parquet.OpenFile(bytes.NewReader(data), int64(len(data)))
	if err != nil {
		return nil, err
	}
	meta, leaves := f.Metadata(), f.Root().Columns()
	rg := &meta.RowGroups[0]
	n := len(rg.Columns)
	first := &rg.Columns[n-2].MetaData
	out := bytes.Clone(data[:min(first.DataPageOffset, nonZero(first.DictionaryPageOffset, first.DataPageOffset))])
	for i, s := range []string{"k", "v"} {
		leaf := mapLeaf(leaves[len(leaves)-1], i)
		if leaf == nil {
			return nil, fmt.Errorf("curtest: no map leaf %d", i)
		}
		md := &rg.Columns[n-2+i].MetaData
		var err error
		if out, err = appendBombChunk(out, md, s, leaf, pages, perPage); err != nil {
			return nil, err
		}
		rg.Columns[n-2+i].ColumnIndexOffset, rg.Columns[n-2+i].OffsetIndexOffset = 0, 0
	}
	for i := range rg.Columns {
		c := &rg.Columns[i]
		c.ColumnIndexOffset, c.ColumnIndexLength, c.OffsetIndexOffset, c.OffsetIndexLength = 0, 0, 0, 0
	}
	footer, err := thrift.Marshal(new(thrift.CompactProtocol), meta)
	if err != nil {
		return nil, err
	}
	return append(out, ParquetFooter(footer)[4:]...), nil
}

func nonZero(a, b int64) int64 {
	if a != 0 {
		return a
	}
	return b
}

// mapLeaf returns leaf i (0 key, 1 value) under the map column.
func mapLeaf(c *parquet.Column, i int) *parquet.Column {
	for len(c.Columns()) == 1 {
		c = c.Columns()[0]
	}
	if len(c.Columns()) != 2 {
		return nil
	}
	return c.Columns()[i]
}

// appendBombChunk appends a dictionary page holding word and data pages of
// perPage values each, all dictionary index 0, one row across all of them,
// and points md at it.
func appendBombChunk(out []byte, md *format.ColumnMetaData, word string, leaf *parquet.Column, pages int, perPage int32) ([]byte, error) {
	start := int64(len(out))
	dict := binary.LittleEndian.AppendUint32(nil, uint32(len(word)))
	dict = append(dict, word...)
	out, err := appendPage(out, &format.PageHeader{Type: format.DictionaryPage, DictionaryPageHeader: thrift.New(format.DictionaryPageHeader{
		NumValues: 1, Encoding: format.Plain})}, dict)
	if err != nil {
		return nil, err
	}
	dataAt := int64(len(out))
	for p := range pages {
		body := levels(nil, p == 0, 1, perPage)                               // repetition: a row starts on page 0 only
		body = levels(body, false, int32(leaf.MaxDefinitionLevel()), perPage) // definition: all present
		body = append(body, 1)                                                // index bit width
		body = rleRun(body, perPage, 0)                                       // all index 0
		h := &format.PageHeader{Type: format.DataPage, DataPageHeader: thrift.New(format.DataPageHeader{NumValues: perPage,
			Encoding: format.RLEDictionary, DefinitionLevelEncoding: format.RLE, RepetitionLevelEncoding: format.RLE})}
		if out, err = appendPage(out, h, body); err != nil {
			return nil, err
		}
	}
	md.Codec, md.Encoding = format.Uncompressed, []format.Encoding{format.Plain, format.RLE, format.RLEDictionary}
	md.NumValues = int64(pages) * int64(perPage)
	md.DictionaryPageOffset, md.DataPageOffset = start, dataAt
	md.TotalCompressedSize = int64(len(out)) - start
	md.TotalUncompressedSize = md.TotalCompressedSize
	md.Statistics = format.Statistics{}
	return out, nil
}

// appendPage appends a page header (sizes set to the body's) and the body.
func appendPage(out []byte, h *format.PageHeader, body []byte) ([]byte, error) {
	h.UncompressedPageSize, h.CompressedPageSize = int32(len(body)), int32(len(body))
	hdr, err := thrift.Marshal(new(thrift.CompactProtocol), h)
	return append(append(out, hdr...), body...), err
}

// levels appends v1 levels (a 4-byte length, then RLE runs of bit width 1
// or more) for n values of level v; with rowStart the first is level 0.
func levels(out []byte, rowStart bool, v, n int32) []byte {
	var runs []byte
	if rowStart {
		runs, n = rleRun(runs, 1, 0), n-1
	}
	runs = rleRun(runs, n, v)
	out = binary.LittleEndian.AppendUint32(out, uint32(len(runs)))
	return append(out, runs...)
}

// rleRun appends an RLE run of n copies of v (one byte wide).
func rleRun(out []byte, n, v int32) []byte {
	out = binary.AppendUvarint(out, uint64(n)<<1)
	return append(out, byte(v))
}
