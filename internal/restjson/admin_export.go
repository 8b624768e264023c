package restjson

import (
	"errors"
	"io"
	"mime"
	"net/http"

	"github.com/proforma-dev/proforma/internal/conductor"
	"github.com/proforma-dev/proforma/internal/sigv4"
)

// ExportRequest is a GET /_proforma/export request as the ExportUsage
// hook receives it.
type ExportRequest struct {
	Payer        string           // the payer acted for (see exportUsage), authorized
	BillingGroup string           // the group's ARN, ID or name
	Period       conductor.Period // the billing period
	Format       string           // as given: "" (the hook's default), csv, parquet, focus…
}

// ExportFile is an export ready to stream: the hook has resolved the
// group, the format and the usage, so that the common errors are answered
// before the first byte.
type ExportFile struct {
	Name        string // file name for Content-Disposition
	ContentType string
	// Write writes the file. Its error is answered as an error response
	// when nothing was written yet; after the first byte the response is
	// aborted (the client sees a cut transfer, never a short file).
	Write func(w io.Writer) error
}

// exportUsage serves GET /_proforma/export?billingGroup=G&period=YYYY-MM&format=F:
// the pro forma of billing group G (ARN, ID or name) for the period, as
// ExportUsage writes it, with its Content-Type and an attachment
// Content-Disposition. The payer is the payer parameter — in strict mode
// the guard sets it to the signer's account unless an admin names one —
// else the caller's account as the API decides it (permissive mode: a
// 12-digit access key ID, else the default payer); it must be a payer.
// Errors are AWS-style (X-Amzn-ErrorType, {"__type", "Message"}, and
// "error" as the other admin endpoints): 400 ValidationException for a
// missing group or a bad period or format, 404 ResourceNotFoundException
// for an unknown group or a period without usage, 403 for a non-payer.
func (a *Admin) exportUsage(w http.ResponseWriter, r *http.Request) {
	if a.ExportUsage == nil {
		exportError(w, &conductor.Error{Code: conductor.CodeNotImplemented, Message: "usage export is not configured"})
		return
	}
	req, err := a.exportRequest(r)
	if err != nil {
		exportError(w, err)
		return
	}
	file, err := a.ExportUsage(r.Context(), req)
	if err != nil {
		exportError(w, err)
		return
	}
	out := &exportWriter{w: w, file: file}
	if err := file.Write(out); err != nil {
		if out.started {
			panic(http.ErrAbortHandler) // net/http's way to cut a response short
		}
		exportError(w, err)
		return
	}
	out.start()
}

// exportRequest reads and checks the request's parameters and payer.
func (a *Admin) exportRequest(r *http.Request) (ExportRequest, error) {
	q := r.URL.Query()
	group, period := q.Get("billingGroup"), q.Get("period")
	if group == "" {
		return ExportRequest{}, conductor.InvalidField("billingGroup", "required: the billing group's ARN, ID or name")
	}
	p, ok := conductor.ParsePeriod(period)
	if !ok {
		return ExportRequest{}, conductor.InvalidField("period", "required: a billing period YYYY-MM")
	}
	payer := q.Get("payer")
	if payer == "" {
		var err error
		if payer, err = a.Identity.Account(r, nil, SigningName); err != nil {
			return ExportRequest{}, err
		}
	}
	c, err := a.Service.Authorize(r.Context(), payer)
	if err != nil {
		return ExportRequest{}, err
	}
	return ExportRequest{Payer: c.Account, BillingGroup: group, Period: p, Format: q.Get("format")}, nil
}

// exportWriter writes the response headers at the first byte of the body.
type exportWriter struct {
	w       http.ResponseWriter
	file    ExportFile
	started bool
}

func (e *exportWriter) Write(p []byte) (int, error) {
	e.start()
	return e.w.Write(p)
}

func (e *exportWriter) start() {
	if e.started {
		return
	}
	e.started = true
	h := e.w.Header()
	h.Set("Content-Type", e.file.ContentType)
	h.Set("Content-Disposition", mime.FormatMediaType("attachment", map[string]string{"filename": e.file.Name}))
	h.Set("X-Content-Type-Options", "nosniff")
	e.w.WriteHeader(http.StatusOK)
}

// exportErrorBody is an export error: AWS's shape, plus the "error" member
// of the other admin endpoints.
type exportErrorBody struct {
	Type    string `json:"__type"`
	Message string `json:"Message"`
	Error   string `json:"error"`
}

// exportError answers err before any byte of the file: a domain error
// with its code's status, a signature error as the strict-mode guard
// answers it, anything else 500.
func exportError(w http.ResponseWriter, err error) {
	code, status, message := conductor.CodeInternal, http.StatusInternalServerError, err.Error()
	var serr *sigv4.Error
	if e, ok := conductor.AsError(err); ok {
		code, status, message = e.Code, statusOf(e.Code), e.Message
	} else if errors.As(err, &serr) {
		code, status, message = serr.Code, serr.Status, serr.Message
	}
	w.Header().Set("X-Amzn-ErrorType", code)
	writeJSON(w, status, exportErrorBody{Type: code, Message: message, Error: message})
}
