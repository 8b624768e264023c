package cur

// Limits bound the memory and work one input can cost, whatever the file
// claims about itself: a Reader refuses an input that would need more with
// an [*Error] naming the file (and the line, row group or column when known)
// before the allocation happens. The zero value of a field means its
// default; [WithLimits] sets them.
//
// The defaults are far above what real CURs need (AWS writes records of a
// few KiB, gzip ratios of 10–40:1 and Parquet pages of about 1 MiB) and low
// enough that a hostile file costs at most a few hundred MiB.
type Limits struct {
	// MaxFieldBytes bounds one CSV field, quotes included (default 1 MiB).
	MaxFieldBytes int
	// MaxRecordBytes bounds one CSV record: all its fields, separators,
	// quotes and line breaks (default 4 MiB). encoding/csv holds a record
	// about four times over while parsing it.
	MaxRecordBytes int
	// MaxDecompressedBytes bounds the bytes a gzip or zip input expands to
	// (default 1 TiB).
	MaxDecompressedBytes int64
	// MaxRatio bounds decompressed ÷ compressed size of a gzip or zip input
	// and of each compressed Parquet page, checked once more than
	// [RatioSlack] bytes have come out (default 1000).
	MaxRatio int64
	// MaxParquetFooterBytes bounds the Parquet footer (FileMetaData) and the
	// memory its decoded form takes (default 64 MiB).
	MaxParquetFooterBytes int64
	// MaxParquetPageBytes bounds one Parquet page, compressed or
	// uncompressed, and one page header (default 64 MiB).
	MaxParquetPageBytes int64
	// MaxParquetPageValues bounds the values of one Parquet page (default
	// 4,194,304): decoding costs several bytes per value even where run-length
	// encoding stores a million values in a few bytes.
	MaxParquetPageValues int64
	// MaxParquetRowGroupBytes bounds the estimated memory of reading one
	// Parquet row group, where every column read holds its dictionary and
	// one decoded page at a time (default 512 MiB).
	MaxParquetRowGroupBytes int64
	// MaxParquetRowValues bounds the values one row holds in one repeated
	// (list or map) Parquet column (default 1,048,576): parquet-go builds a
	// row whole, 24 bytes a value, across as many pages as it spans.
	MaxParquetRowValues int64
}

// RatioSlack is how many decompressed bytes may come out before MaxRatio is
// checked: a small input may expand a lot without costing much.
const RatioSlack = 16 << 20

// DefaultLimits are the limits of a Reader without [WithLimits].
var DefaultLimits = Limits{
	MaxFieldBytes:           1 << 20,
	MaxRecordBytes:          4 << 20,
	MaxDecompressedBytes:    1 << 40,
	MaxRatio:                1000,
	MaxParquetFooterBytes:   64 << 20,
	MaxParquetPageBytes:     64 << 20,
	MaxParquetPageValues:    4 << 20,
	MaxParquetRowGroupBytes: 512 << 20,
	MaxParquetRowValues:     1 << 20,
}

// WithLimits sets the Reader's limits; zero fields keep their defaults.
func WithLimits(l Limits) Option { return func(r *Reader) { r.limits = l.withDefaults() } }

// withDefaults returns l with each zero (or negative) field set to its
// default.
func (l Limits) withDefaults() Limits {
	d := DefaultLimits
	pick := func(v, def int64) int64 {
		if v <= 0 {
			return def
		}
		return v
	}
	l.MaxFieldBytes = int(pick(int64(l.MaxFieldBytes), int64(d.MaxFieldBytes)))
	l.MaxRecordBytes = int(pick(int64(l.MaxRecordBytes), int64(d.MaxRecordBytes)))
	l.MaxDecompressedBytes = pick(l.MaxDecompressedBytes, d.MaxDecompressedBytes)
	l.MaxRatio = pick(l.MaxRatio, d.MaxRatio)
	l.MaxParquetFooterBytes = pick(l.MaxParquetFooterBytes, d.MaxParquetFooterBytes)
	l.MaxParquetPageBytes = pick(l.MaxParquetPageBytes, d.MaxParquetPageBytes)
	l.MaxParquetPageValues = pick(l.MaxParquetPageValues, d.MaxParquetPageValues)
	l.MaxParquetRowGroupBytes = pick(l.MaxParquetRowGroupBytes, d.MaxParquetRowGroupBytes)
	l.MaxParquetRowValues = pick(l.MaxParquetRowValues, d.MaxParquetRowValues)
	return l
}

// ratioExceeded reports whether out bytes decompressed from in bytes break
// the ratio limit (only once more than RatioSlack bytes came out).
func (l *Limits) ratioExceeded(out, in int64) bool {
	return out > RatioSlack && (out-1)/max(in, 1) >= l.MaxRatio // out > in×MaxRatio, without overflow
}

// errRatio is the cause of a decompression-ratio refusal.
func (l *Limits) errRatio() error {
	return limitf("decompressed more than %d times the compressed size", l.MaxRatio)
}
