package cloudcontrol

import (
	"context"
	"crypto/rand"
	"crypto/sha256"
	"encoding/binary"
	"encoding/hex"
	"encoding/json"
	"net/http"
	"slices"
	"strings"
	"sync"
	"time"

	"github.com/proforma-dev/proforma/internal/conductor"
)

// ClientTokenRetention is how long a ClientToken is remembered (the model:
// "A client token is valid for 36 hours once used").
const ClientTokenRetention = 36 * time.Hour

// RequestRetention is how long a resource operation request is kept after
// its EventTime, by the service's clock (the API reference: "Resource
// operation requests expire after 7 days"). An expired request is not
// found nor listed, and the mutations that follow delete it.
const RequestRetention = 7 * 24 * time.Hour

// forgetBatch bounds the expired requests one mutation deletes: more than
// it adds, so that the stored requests shrink to RequestRetention's.
const forgetBatch = 16

// Record ids: a request is "req/<RequestToken>", listed newest first as
// "new/<newestFirst(RequestToken)>"; a client token "tok/<ClientToken>".
const (
	requestPrefix = "req/"
	newestPrefix  = "new/"
	tokenPrefix   = "tok/"
)

// newestFirst maps a request token (a UUIDv7: lowercase hex that sorts by
// time) to a key that sorts the other way, each hex digit d becoming 15-d,
// so that ListResourceRequests pages newest first in id order.
func newestFirst(token string) string {
	const digits = "0123456789abcdef"
	b := []byte(token)
	for i, ch := range b {
		if d := strings.IndexByte(digits, ch); d >= 0 {
			b[i] = digits[15-d]
		}
	}
	return string(b)
}

// progressEvent is the model's ProgressEvent, as answered and as stored.
type progressEvent struct {
	TypeName        string `json:"TypeName,omitempty"`
	Identifier      string `json:"Identifier,omitempty"`
	RequestToken    string `json:"RequestToken"`
	Operation       string `json:"Operation"`
	OperationStatus string `json:"OperationStatus"`
	EventTime       int64  `json:"EventTime"` // awsJson timestamps: epoch seconds
	ResourceModel   string `json:"ResourceModel,omitempty"`
	StatusMessage   string `json:"StatusMessage,omitempty"`
	ErrorCode       string `json:"ErrorCode,omitempty"`
}

// storedRequest is a request as stored: its event, and the ClientToken
// that made it (so that both are forgotten together).
type storedRequest struct {
	progressEvent
	ClientToken string `json:",omitempty"`
}

// decodeRequest decodes a stored request.
func decodeRequest(data []byte) (*storedRequest, error) {
	var s storedRequest
	if err := json.Unmarshal(data, &s); err != nil {
		return nil, err
	}
	return &s, nil
}

// expired reports whether ev is older than RequestRetention.
func (h *Handler) expired(ev *progressEvent) bool {
	return h.svc.RequestTime().Sub(time.Unix(ev.EventTime, 0)) > RequestRetention
}

// tokenRecord remembers the request a ClientToken made.
type tokenRecord struct {
	Operation    string
	Fingerprint  string
	RequestToken string
	Time         int64
}

// mutation is one CreateResource, UpdateResource or DeleteResource request.
type mutation struct {
	operation   string // CREATE, UPDATE, DELETE
	typeName    string
	identifier  string // UPDATE and DELETE
	clientToken string
	input       string // DesiredState or PatchDocument, for the fingerprint
	// run performs the request; it returns the identifier and, for CREATE
	// and UPDATE, the resulting model.
	run func() (string, map[string]any, error)
}

func (m mutation) fingerprint() string {
	sum := sha256.Sum256([]byte(m.operation + "\x00" + m.typeName + "\x00" + m.identifier + "\x00" + m.input))
	return hex.EncodeToString(sum[:])
}

// mutate runs a mutation synchronously and records its ProgressEvent. A
// ClientToken used within ClientTokenRetention for the same operation with
// the same input returns the first request's event without running it
// again; used for another operation or input it is ClientTokenConflictException.
func (h *Handler) mutate(ctx context.Context, c conductor.Caller, m mutation) (*progressEvent, error) {
	now := h.svc.RequestTime()
	if m.clientToken != "" {
		data, ok, err := h.svc.GetResourceRequest(ctx, c, tokenPrefix+m.clientToken)
		if err != nil {
			return nil, err
		}
		var tok tokenRecord
		if ok && json.Unmarshal(data, &tok) == nil && now.Sub(time.Unix(tok.Time, 0)) <= ClientTokenRetention {
			if tok.Operation != m.operation || tok.Fingerprint != m.fingerprint() {
				return nil, errorf(http.StatusBadRequest, "ClientTokenConflictException",
					"The client token %s has already been used in another resource request (%s).", m.clientToken, tok.RequestToken)
			}
			if ev, ok, err := h.request(ctx, c, tok.RequestToken); err != nil || ok {
				return ev, err
			}
		}
	}
	ev := &progressEvent{TypeName: m.typeName, Identifier: m.identifier, RequestToken: newRequestToken(),
		Operation: m.operation, EventTime: now.Unix()}
	id, model, err := m.run()
	if id != "" {
		ev.Identifier = id
	}
	if err != nil {
		ev.OperationStatus = "FAILED"
		ev.ErrorCode, ev.StatusMessage = h.handlerCode(err)
	} else {
		ev.OperationStatus = "SUCCESS"
		if model != nil {
			ev.ResourceModel = modelString(model)
		}
	}
	data, err := json.Marshal(storedRequest{progressEvent: *ev, ClientToken: m.clientToken})
	if err != nil {
		return nil, err
	}
	if err := h.svc.PutResourceRequest(ctx, c, data, requestPrefix+ev.RequestToken, newestPrefix+newestFirst(ev.RequestToken)); err != nil {
		return nil, err
	}
	if m.clientToken != "" {
		tok, _ := json.Marshal(tokenRecord{Operation: m.operation, Fingerprint: m.fingerprint(),
			RequestToken: ev.RequestToken, Time: now.Unix()})
		if err := h.svc.PutResourceRequest(ctx, c, tok, tokenPrefix+m.clientToken); err != nil {
			return nil, err
		}
	}
	// Housekeeping: a failure to forget must not fail the request, which
	// is done (the next mutation tries again).
	if err := h.forgetExpired(ctx, c); err != nil {
		h.log.Warn("forgetting expired Cloud Control requests", "payer", c.Account, "err", err)
	}
	return ev, nil
}

// forgetExpired deletes the expired requests among the payer's
// forgetBatch oldest (request tokens sort in creation order), with their
// listing keys and their client tokens unless a later request took them.
func (h *Handler) forgetExpired(ctx context.Context, c conductor.Caller) error {
	recs, err := h.svc.ListResourceRequests(ctx, c, conductor.Range{Prefix: requestPrefix, Limit: forgetBatch})
	if err != nil {
		return err
	}
	forget := map[string]func([]byte) bool{}
	always := func([]byte) bool { return true }
	for _, r := range recs {
		s, err := decodeRequest(r.Data)
		if err != nil || !h.expired(&s.progressEvent) {
			continue
		}
		forget[r.ID], forget[newestPrefix+newestFirst(s.RequestToken)] = always, always
		if s.ClientToken != "" {
			token := s.RequestToken
			forget[tokenPrefix+s.ClientToken] = func(data []byte) bool {
				var tok tokenRecord
				return json.Unmarshal(data, &tok) == nil && tok.RequestToken == token
			}
		}
	}
	if len(forget) == 0 {
		return nil
	}
	return h.svc.DeleteResourceRequests(ctx, c, forget)
}

// request loads a recorded request.
func (h *Handler) request(ctx context.Context, c conductor.Caller, token string) (*progressEvent, bool, error) {
	data, ok, err := h.svc.GetResourceRequest(ctx, c, requestPrefix+token)
	if err != nil || !ok {
		return nil, false, err
	}
	s, err := decodeRequest(data)
	if err != nil || h.expired(&s.progressEvent) {
		return nil, false, err
	}
	return &s.progressEvent, true, nil
}

// tokenSeq makes request tokens of one millisecond sort in creation order.
var tokenSeq struct {
	sync.Mutex
	ms  int64
	seq uint16
}

// newRequestToken returns a UUID version 7: its text sorts by creation
// time, so the stored requests list oldest first.
func newRequestToken() string {
	tokenSeq.Lock()
	ms := time.Now().UnixMilli()
	if ms <= tokenSeq.ms {
		ms = tokenSeq.ms
		tokenSeq.seq++
		if tokenSeq.seq >= 1<<12 {
			ms++
			tokenSeq.seq = 0
		}
	} else {
		tokenSeq.seq = 0
	}
	tokenSeq.ms = ms
	seq := tokenSeq.seq
	tokenSeq.Unlock()
	var b [16]byte
	rand.Read(b[:])
	var ts [8]byte
	binary.BigEndian.PutUint64(ts[:], uint64(ms))
	copy(b[0:6], ts[2:8])
	b[6] = 0x70 | byte(seq>>8)
	b[7] = byte(seq)
	b[8] = b[8]&0x3f | 0x80
	x := hex.EncodeToString(b[:])
	return x[0:8] + "-" + x[8:12] + "-" + x[12:16] + "-" + x[16:20] + "-" + x[20:]
}

type createResourceInput struct {
	typed
	ClientToken  string
	DesiredState string
}

type eventOutput struct {
	ProgressEvent *progressEvent `json:"ProgressEvent"`
}

func (h *Handler) createResource(ctx context.Context, c conductor.Caller, body []byte) (any, error) {
	var in createResourceInput
	t, err := h.typedRequest(body, &in)
	if err != nil {
		return nil, err
	}
	desired, err := parseModel(in.DesiredState)
	if err != nil {
		return nil, validation("DesiredState must be a JSON object of the resource's properties.")
	}
	ev, err := h.mutate(ctx, c, mutation{operation: "CREATE", typeName: in.TypeName, clientToken: in.ClientToken,
		input: in.DesiredState, run: func() (string, map[string]any, error) {
			for _, p := range t.readOnly() {
				if _, ok := desired[p]; ok {
					return "", nil, handlerFailure("InvalidRequest", "Model validation failed: #/"+p+" is a read-only property and cannot be set.")
				}
			}
			if err := validateModel(t, in.TypeName, desired); err != nil {
				return "", nil, err
			}
			id, err := t.create(ctx, c, desired)
			if err != nil {
				if id != "" {
					if _, readErr := t.read(ctx, c, id); readErr != nil {
						id = "" // undone: a failed event names no resource that does not exist
					}
				}
				return id, nil, err
			}
			m, err := t.read(ctx, c, id)
			return id, m, err
		}})
	if err != nil {
		return nil, err
	}
	return eventOutput{ev}, nil
}

type updateResourceInput struct {
	typed
	ClientToken   string
	Identifier    string
	PatchDocument string
}

func (h *Handler) updateResource(ctx context.Context, c conductor.Caller, body []byte) (any, error) {
	var in updateResourceInput
	t, err := h.typedRequest(body, &in)
	if err != nil {
		return nil, err
	}
	if in.Identifier == "" || in.PatchDocument == "" {
		return nil, validation("Identifier and PatchDocument are required.")
	}
	ev, err := h.mutate(ctx, c, mutation{operation: "UPDATE", typeName: in.TypeName, identifier: in.Identifier,
		clientToken: in.ClientToken, input: in.PatchDocument, run: func() (string, map[string]any, error) {
			read, err := t.read(ctx, c, in.Identifier)
			if err != nil {
				return "", nil, err
			}
			current, err := normalize(read)
			if err != nil {
				return "", nil, err
			}
			desired, err := applyPatch(current, in.PatchDocument)
			if err != nil {
				return "", nil, handlerFailure("InvalidRequest", "Invalid patch document: "+err.Error())
			}
			for _, p := range append(slices.Clone(t.readOnly()), t.createOnly()...) {
				if !jsonEqual(current[p], desired[p]) {
					return "", nil, handlerFailure("NotUpdatable", "Property #/"+p+" cannot be updated.")
				}
			}
			if err := validateModel(t, in.TypeName, desired); err != nil {
				return "", nil, err
			}
			if err := t.update(ctx, c, in.Identifier, current, desired); err != nil {
				return "", nil, err
			}
			m, err := t.read(ctx, c, in.Identifier)
			return "", m, err
		}})
	if err != nil {
		return nil, err
	}
	return eventOutput{ev}, nil
}

type deleteResourceInput struct {
	typed
	ClientToken string
	Identifier  string
}

func (h *Handler) deleteResource(ctx context.Context, c conductor.Caller, body []byte) (any, error) {
	var in deleteResourceInput
	t, err := h.typedRequest(body, &in)
	if err != nil {
		return nil, err
	}
	if in.Identifier == "" {
		return nil, validation("Identifier is required.")
	}
	ev, err := h.mutate(ctx, c, mutation{operation: "DELETE", typeName: in.TypeName, identifier: in.Identifier,
		clientToken: in.ClientToken, run: func() (string, map[string]any, error) {
			return "", nil, t.delete(ctx, c, in.Identifier)
		}})
	if err != nil {
		return nil, err
	}
	return eventOutput{ev}, nil
}

type requestTokenInput struct {
	RequestToken string
}

func (h *Handler) getResourceRequestStatus(ctx context.Context, c conductor.Caller, body []byte) (any, error) {
	var in requestTokenInput
	if err := decode(body, &in); err != nil {
		return nil, err
	}
	ev, ok, err := h.request(ctx, c, in.RequestToken)
	if err != nil {
		return nil, err
	}
	if !ok {
		return nil, tokenNotFound(in.RequestToken)
	}
	return eventOutput{ev}, nil
}

func tokenNotFound(token string) error {
	return errorf(http.StatusBadRequest, "RequestTokenNotFoundException", "Request with token %s was not found.", token)
}

// cancelResourceRequest: every request completes before its answer, so
// none can be cancelled any more (ConcurrentModificationException).
func (h *Handler) cancelResourceRequest(ctx context.Context, c conductor.Caller, body []byte) (any, error) {
	var in requestTokenInput
	if err := decode(body, &in); err != nil {
		return nil, err
	}
	ev, ok, err := h.request(ctx, c, in.RequestToken)
	if err != nil {
		return nil, err
	}
	if !ok {
		return nil, tokenNotFound(in.RequestToken)
	}
	return nil, errorf(http.StatusBadRequest, "ConcurrentModificationException",
		"Request %s cannot be cancelled: it has already completed with status %s.", ev.RequestToken, ev.OperationStatus)
}

type listResourceRequestsInput struct {
	MaxResults                  int
	NextToken                   string
	ResourceRequestStatusFilter *struct {
		Operations        []string
		OperationStatuses []string
	}
}

type listResourceRequestsOutput struct {
	ResourceRequestStatusSummaries []*progressEvent `json:"ResourceRequestStatusSummaries"`
	NextToken                      string           `json:"NextToken,omitempty"`
}

// listResourceRequests lists the recorded requests, newest first; the
// NextToken is the RequestToken the next page starts after.
func (h *Handler) listResourceRequests(ctx context.Context, c conductor.Caller, body []byte) (any, error) {
	var in listResourceRequestsInput
	if err := decode(body, &in); err != nil {
		return nil, err
	}
	limit := in.MaxResults
	switch {
	case limit == 0:
		limit = 20
	case limit < 1 || limit > 100:
		return nil, validation("MaxResults must be between 1 and 100.")
	}
	after := ""
	if in.NextToken != "" {
		if _, ok, err := h.svc.GetResourceRequest(ctx, c, requestPrefix+in.NextToken); err != nil || !ok {
			if err == nil {
				err = validation("The NextToken is not valid.")
			}
			return nil, err
		}
		after = newestPrefix + newestFirst(in.NextToken)
	}
	out := listResourceRequestsOutput{ResourceRequestStatusSummaries: []*progressEvent{}}
	for batch := limit + 1; ; batch = max(batch, 100) { // read on in larger batches when filtered
		recs, err := h.svc.ListResourceRequests(ctx, c, conductor.Range{Prefix: newestPrefix, After: after, Limit: batch})
		if err != nil {
			return nil, err
		}
		for _, r := range recs {
			after = r.ID
			s, err := decodeRequest(r.Data)
			if err != nil {
				return nil, err
			}
			ev := &s.progressEvent
			if h.expired(ev) {
				continue
			}
			if f := in.ResourceRequestStatusFilter; f != nil {
				if len(f.Operations) > 0 && !slices.Contains(f.Operations, ev.Operation) ||
					len(f.OperationStatuses) > 0 && !slices.Contains(f.OperationStatuses, ev.OperationStatus) {
					continue
				}
			}
			if len(out.ResourceRequestStatusSummaries) == limit {
				out.NextToken = out.ResourceRequestStatusSummaries[limit-1].RequestToken
				return out, nil
			}
			out.ResourceRequestStatusSummaries = append(out.ResourceRequestStatusSummaries, ev)
		}
		if len(recs) < batch {
			return out, nil
		}
	}
}
