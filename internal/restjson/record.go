package restjson

import "context"

// Record is what the API handler tells a request log about a request it
// served: the operation it matched and the account that called. A server
// puts one in a request's context (WithRecord) before the handler runs
// and reads it after.
type Record struct {
	Operation string
	Caller    string
}

type recordKey struct{}

// WithRecord returns ctx carrying a new Record, and the Record.
func WithRecord(ctx context.Context) (context.Context, *Record) {
	rec := &Record{}
	return context.WithValue(ctx, recordKey{}, rec), rec
}

// recordOf is the Record of ctx, or nil.
func recordOf(ctx context.Context) *Record {
	rec, _ := ctx.Value(recordKey{}).(*Record)
	return rec
}
