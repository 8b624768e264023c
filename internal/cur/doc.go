// Package cur reads and writes AWS Cost and Usage Report (CUR) files as
// streams: a [Reader] returns one typed [Record] at a time (or a batch), and
// memory stays flat however large the file is.
//
// Inputs, detected from the bytes and the header, never from the file name:
//
//   - legacy CUR CSV, columns named category/Name ("lineItem/UsageAccountId"),
//     plain, gzip-compressed or zip-compressed (one CSV in the archive);
//   - legacy CUR as Athena Parquet, snake_case columns ("line_item_usage_account_id");
//   - CUR 2.0 (AWS Data Exports) CSV (plain or gzip) and Parquet, snake_case
//     columns. The map columns (product, resource_tags, cost_category,
//     discount) are kept as JSON text; Record.ProductName comes from the
//     product map's "product_name". In Parquet, maps are rendered as JSON the
//     way CUR 2.0 CSV writes them; other nested columns are kept as empty text.
//
// FOCUS files are refused with [ErrFOCUS]: FOCUS has no public on-demand
// cost per line, no line item types and no usage type/operation, so it cannot
// be priced the way spec/PROFORMA.md prices a CUR.
//
// Column names match case-insensitively in either style; [Field] lists the
// columns read and which are required. Numbers are exact decimals parsed
// from the text as written; Parquet DOUBLE values are first written as their
// shortest decimal text (strconv.FormatFloat(f, 'f', -1, 64)), so 0.1 stays 0.1.
//
// Every position-bearing error is an [*Error] with the file, the line (CSV,
// header = line 1) or row (Parquet), and the column.
//
// # Memory bounds
//
// Every input has a memory bound independent of what the file claims,
// set by [Limits] ([WithLimits]; zero fields keep the [DefaultLimits]). An
// input that needs more is refused with an [*Error] naming the file, and
// errors.Is(err, [ErrLimit]) holds, before the allocation happens:
//
//   - CSV: a record longer than MaxRecordBytes (4 MiB) or a field longer
//     than MaxFieldBytes (1 MiB), counted under encoding/csv, which would
//     otherwise buffer a whole record however long: "cur: f.csv:2: column
//     lineItem/UsageType: field longer than 1048576 bytes" (the line the
//     record starts on, the header column of the field).
//   - gzip and zip: more than MaxDecompressedBytes (1 TiB) out, or more
//     than MaxRatio (1000) times the compressed bytes once 16 MiB are out
//     ("cur: f.csv.gz:81234: gzip: decompressed more than 1000 times the
//     compressed size"); a zip entry is checked first against the sizes its
//     directory declares. Multi-member gzip files read whole.
//   - Parquet: before parquet-go opens a file, its footer and every page
//     header are walked with a bounded Thrift reader that checks each
//     length and count against the bytes actually left (parquet-go
//     allocates what they say, up to 2^31 elements, and an out-of-memory
//     crash cannot be recovered). The footer's length and decoded size
//     (MaxParquetFooterBytes, 64 MiB), the schema's shape, the column
//     chunks' offsets and compression ratios, each page's size
//     (MaxParquetPageBytes, 64 MiB), values (MaxParquetPageValues, 4 Mi)
//     and ratio, and the memory of reading a row group's columns
//     (MaxParquetRowGroupBytes, 512 MiB; only the columns read count) are
//     checked; pages of codecs whose decoders parquet-go does not bound
//     (GZIP, BROTLI, ZSTD, LZ4_RAW) are decompressed once into a counter
//     first, SNAPPY blocks have their stated length checked. The
//     repetition levels of list and map columns are decoded to bound the
//     values of one row (MaxParquetRowValues, 1 Mi), which run-length
//     encoding can spread over any number of pages; and a row's text is
//     bounded by MaxRecordBytes, as a CSV record is.
//
// [Files] never opens FIFOs, devices or sockets, and follows symbolic links
// to folders without looping.
//
// [Writer] writes a pro forma CUR as CSV (optionally gzip) with the input's
// header; Parquet output is not supported yet.
package cur
