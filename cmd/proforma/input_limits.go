package main

import (
	"flag"

	"github.com/proforma-dev/proforma/internal/cur"
)

// inputLimits are the CSV size limits users may raise for CURs with
// unusually long records; `import` and `serve` (for uploads) share them.
// The other limits of cur.Limits keep their defaults (docs/security.md).
type inputLimits struct{ field, record byteSize }

func defaultInputLimits() inputLimits {
	d := cur.DefaultLimits
	return inputLimits{field: byteSize(d.MaxFieldBytes), record: byteSize(d.MaxRecordBytes)}
}

// addFlags defines --max-csv-field and --max-csv-record on fs.
func (l *inputLimits) addFlags(fs *flag.FlagSet) {
	fs.Var(&l.field, "max-csv-field", "largest `size` of one CSV field of a CUR, e.g. 1MiB; a larger one is an error naming file, line and column")
	fs.Var(&l.record, "max-csv-record", "largest `size` of one CSV record (line) of a CUR, e.g. 4MiB")
}

// curLimits returns the limits for cur readers.
func (l inputLimits) curLimits() cur.Limits {
	return cur.Limits{MaxFieldBytes: int(l.field), MaxRecordBytes: int(l.record)}
}
