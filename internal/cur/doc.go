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
// [Writer] writes a pro forma CUR as CSV (optionally gzip) with the input's
// header; Parquet output is not supported yet.
package cur
