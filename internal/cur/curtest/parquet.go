package curtest

import (
	"bytes"
	"encoding/binary"
	"fmt"
	"math"
	"time"

	"github.com/parquet-go/parquet-go"
	"github.com/parquet-go/parquet-go/encoding/thrift"
	"github.com/parquet-go/parquet-go/format"
)

// Claim is the size the hostile Parquet footers claim: the largest a
// Thrift compact length may be (parquet-go refuses 2^31 itself, but
// allocates 2^31-1 elements before reading the first).
const Claim = math.MaxInt32

// ParquetSamples returns the small hostile Parquet files (at most a few
// KiB each): footers claiming far more than the file holds, and valid
// files whose page header claims a huge page.
func ParquetSamples() ([]Sample, error) {
	valid, err := ValidParquet()
	if err != nil {
		return nil, err
	}
	page, err := PatchPageHeader(valid, func(h *format.PageHeader) { h.UncompressedPageSize = Claim })
	if err != nil {
		return nil, err
	}
	values, err := PatchPageHeader(valid, func(h *format.PageHeader) {
		h.DataPageHeader.V.NumValues, h.DataPageHeaderV2.V.NumValues = Claim, Claim
	})
	if err != nil {
		return nil, err
	}
	bomb, err := RowBombParquet(64, 1<<20)
	if err != nil {
		return nil, err
	}
	return []Sample{
		{"parquet-list-claim.parquet", "a 21-byte Parquet file whose footer claims a schema list of 2^31-1 elements", ParquetFooter(listClaim(2))},
		{"parquet-string-claim.parquet", "a Parquet footer whose schema name claims 2^31-1 bytes", ParquetFooter(stringClaim())},
		{"parquet-row-group-claim.parquet", "a Parquet footer claiming 2^31-1 row groups", ParquetFooter(listClaim(4))},
		{"parquet-footer-beyond-file.parquet", "a Parquet footer length of 4 GiB in a file of 20 bytes", footerBeyondFile()},
		{"parquet-quadratic.parquet", "a 1.3 MB Parquet footer of 100,000 columns and 100,000 empty row groups: " +
			"parquet-go sizes a table of 10^10 chunk pointers before it finds the row groups empty", ParquetFooter(QuadraticFooter(100_000))},
		{"parquet-page-claim.parquet", "a valid CUR Parquet file whose page header claims 2^31-1 uncompressed bytes", page},
		{"parquet-page-values.parquet", "a valid CUR Parquet file whose page header claims 2^31-1 values", values},
		{"parquet-row-bomb.parquet", "a 9 KB valid CUR Parquet file of one row whose product map holds 64 Mi entries, " +
			"run-length encoded over 64 pages: parquet-go builds the row whole (3 GB)", bomb},
	}, nil
}

// ParquetFooter wraps footer bytes as a Parquet file: magic, footer,
// footer length, magic.
func ParquetFooter(footer []byte) []byte {
	b := append([]byte("PAR1"), footer...)
	b = binary.LittleEndian.AppendUint32(b, uint32(len(footer)))
	return append(b, "PAR1"...)
}

// Thrift compact bytes of a FileMetaData's start.
var (
	version1 = []byte{0x15, 0x02}                         // field 1 (i32): 1
	bigList  = []byte{0xfc, 0xff, 0xff, 0xff, 0xff, 0x07} // list of structs, size 2^31-1
)

// listClaim returns a FileMetaData whose field id (2: schema, 4: row
// groups) is a list claiming Claim structs; row groups come after a
// one-element schema and num_rows.
func listClaim(id int) []byte {
	b := append([]byte{}, version1...)
	if id == 4 {
		b = append(b, 0x19, 0x1c, 0x48, 0x01, 'r', 0x00) // schema: [{name: "r"}]
		b = append(b, 0x16, 0x00)                        // num_rows: 0
	}
	b = append(b, 0x19)
	return append(b, bigList...)
}

// stringClaim returns a FileMetaData whose one schema element's name claims
// Claim bytes.
func stringClaim() []byte {
	b := append([]byte{}, version1...)
	return append(b, 0x19, 0x1c, 0x48, 0xff, 0xff, 0xff, 0xff, 0x07)
}

// footerBeyondFile returns a Parquet file whose footer length says 4 GiB.
func footerBeyondFile() []byte {
	b := append([]byte("PAR1"), version1...)
	b = append(b, 0, 0, 0, 0, 0, 0)
	b = binary.LittleEndian.AppendUint32(b, 0xfffffff0)
	return append(b, "PAR1"...)
}

// QuadraticFooter returns a FileMetaData of n INT32 columns and n row
// groups without column chunks: valid Thrift, each element a few bytes.
func QuadraticFooter(n int) []byte {
	b := append([]byte{}, version1...)
	b = append(b, 0x19, 0xfc)
	b = binary.AppendUvarint(b, uint64(n+1))
	b = append(b, 0x48, 0x01, 'r', 0x15) // root: name "r", num_children n
	b = binary.AppendUvarint(b, uint64(2*n))
	b = append(b, 0x00)
	for range n {
		b = append(b, 0x15, 0x02, 0x38, 0x01, 'x', 0x00) // type INT32, name "x"
	}
	b = append(b, 0x16, 0x00, 0x19, 0xfc) // num_rows 0, row groups:
	b = binary.AppendUvarint(b, uint64(n))
	for range n {
		b = append(b, 0x19, 0x0c, 0x16, 0x00, 0x16, 0x00, 0x00) // no columns, 0 bytes, 0 rows
	}
	return append(b, 0x00)
}

// DeepSchemaFooter returns a FileMetaData whose schema is a chain of depth
// groups of one child each, ending in an INT32 column, and no row groups.
func DeepSchemaFooter(depth int) []byte {
	b := append([]byte{}, version1...)
	b = append(b, 0x19, 0xfc)
	b = binary.AppendUvarint(b, uint64(depth+1))
	for range depth {
		b = append(b, 0x48, 0x01, 'g', 0x15, 0x02, 0x00) // name "g", num_children 1
	}
	b = append(b, 0x15, 0x02, 0x38, 0x01, 'x', 0x00)
	return append(b, 0x16, 0x00, 0x19, 0x0c, 0x00) // num_rows 0, no row groups
}

// Row is a legacy CUR row as Athena Parquet writes it.
type Row struct {
	PeriodStart   time.Time `parquet:"bill_billing_period_start_date,timestamp(millisecond)"`
	BillingEntity string    `parquet:"bill_billing_entity"`
	Payer         string    `parquet:"bill_payer_account_id"`
	UsageAccount  string    `parquet:"line_item_usage_account_id"`
	LineItemType  string    `parquet:"line_item_line_item_type"`
	ProductCode   string    `parquet:"line_item_product_code"`
	UsageType     string    `parquet:"line_item_usage_type"`
	Operation     string    `parquet:"line_item_operation"`
	UsageAmount   float64   `parquet:"line_item_usage_amount"`
	Currency      string    `parquet:"line_item_currency_code"`
	Unblended     float64   `parquet:"line_item_unblended_cost"`
}

// ValidParquet returns a small, valid legacy CUR Parquet file of two usage
// rows of payer 123456789012, snappy-compressed unless opts say otherwise.
func ValidParquet(opts ...parquet.WriterOption) ([]byte, error) {
	period := time.Date(2026, 10, 1, 0, 0, 0, 0, time.UTC)
	row := Row{PeriodStart: period, BillingEntity: "AWS", Payer: "123456789012", UsageAccount: "100000000001",
		LineItemType: "Usage", ProductCode: "AmazonEC2", UsageType: "BoxUsage:t3.micro", Operation: "RunInstances",
		UsageAmount: 1, Currency: "USD", Unblended: 0.0104}
	var buf bytes.Buffer
	w := parquet.NewGenericWriter[Row](&buf, append([]parquet.WriterOption{parquet.Compression(&parquet.Snappy)}, opts...)...)
	if _, err := w.Write([]Row{row, row}); err != nil {
		return nil, err
	}
	if err := w.Close(); err != nil {
		return nil, err
	}
	return buf.Bytes(), nil
}

// PatchPageHeader returns the Parquet file data (one written by
// ValidParquet) with the first page header of its last column chunk
// changed by edit. The chunk is the last data before the footer, so only
// its own sizes move: the footer is rewritten with them (and without the
// page index, whose offsets would be stale).
func PatchPageHeader(data []byte, edit func(*format.PageHeader)) ([]byte, error) {
	f, err := parquet.OpenFile(bytes.NewReader(data), int64(len(data)))
	if err != nil {
		return nil, err
	}
	meta := f.Metadata()
	rg := &meta.RowGroups[len(meta.RowGroups)-1]
	md := &rg.Columns[len(rg.Columns)-1].MetaData
	if md.DictionaryPageOffset != 0 {
		return nil, fmt.Errorf("curtest: the last column has a dictionary page")
	}
	at, end := md.DataPageOffset, md.DataPageOffset+md.TotalCompressedSize
	var proto thrift.CompactProtocol
	r := proto.NewReaderFromBytes(data[at:end])
	var h format.PageHeader
	if err := thrift.NewDecoder(r).Decode(&h); err != nil {
		return nil, err
	}
	edit(&h)
	hdr, err := thrift.Marshal(&proto, &h)
	if err != nil {
		return nil, err
	}
	out := append(append(bytes.Clone(data[:at]), hdr...), data[at+int64(r.BytesRead()):end]...)
	md.TotalCompressedSize += int64(len(hdr) - r.BytesRead())
	for i := range rg.Columns {
		c := &rg.Columns[i]
		c.ColumnIndexOffset, c.ColumnIndexLength, c.OffsetIndexOffset, c.OffsetIndexLength = 0, 0, 0, 0
	}
	footer, err := thrift.Marshal(&proto, meta)
	if err != nil {
		return nil, err
	}
	return append(out, ParquetFooter(footer)[4:]...), nil
}

// PatchFooter returns the Parquet file data with its FileMetaData changed
// by edit and written back.
func PatchFooter(data []byte, edit func(*format.FileMetaData)) ([]byte, error) {
	f, err := parquet.OpenFile(bytes.NewReader(data), int64(len(data)))
	if err != nil {
		return nil, err
	}
	edit(f.Metadata())
	footer, err := thrift.Marshal(new(thrift.CompactProtocol), f.Metadata())
	if err != nil {
		return nil, err
	}
	n := int64(binary.LittleEndian.Uint32(data[len(data)-8:]))
	body := bytes.Clone(data[:int64(len(data))-8-n])
	return append(body, ParquetFooter(footer)[4:]...), nil
}
