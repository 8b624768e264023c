package restjson

import "context"

// Record is what the handlers tell a request log about a request they
// served: the operation it named, the account that called and, for a
// protocol whose errors carry no X-Amzn-Errortype header (STS's awsQuery),
// the error code it answered. A server
// puts one in a request's context (WithRecord) before the handler runs
// and reads it after.
type Record struct {
	Operation string
	Caller    string
	ErrorCode string
}

type recordKey struct{}

// WithRecord returns ctx carrying a new Record, and the Record.
func WithRecord(ctx context.Context) (context.Context, *Record) {
	rec := &Record{}
	return context.WithValue(ctx, recordKey{}, rec), rec
}

// SetOperation records the operation of ctx's request, when it carries a
// Record: one of a fixed set of names (the model's, Cloud Control's, STS's),
// never text of the request.
func SetOperation(ctx context.Context, operation string) {
	if rec, ok := ctx.Value(recordKey{}).(*Record); ok {
		rec.Operation = operation
	}
}

// SetCaller records the calling account of ctx's request, when it
// carries a Record.
func SetCaller(ctx context.Context, account string) {
	if rec, ok := ctx.Value(recordKey{}).(*Record); ok {
		rec.Caller = account
	}
}

// SetErrorCode records the AWS error code ctx's request was answered
// with, when it carries a Record and the response does not name the code
// in an X-Amzn-Errortype header.
func SetErrorCode(ctx context.Context, code string) {
	if rec, ok := ctx.Value(recordKey{}).(*Record); ok {
		rec.ErrorCode = code
	}
}
