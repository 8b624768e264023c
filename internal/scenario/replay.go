package scenario

import (
	"bytes"
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"maps"
	"reflect"
	"slices"

	bc "github.com/aws/aws-sdk-go-v2/service/billingconductor"
	"github.com/aws/smithy-go"
)

// Replay applies changes in order through client (a Billing Conductor
// client pointed at a live server or a scenario endpoint). ARNs that an
// earlier change's Output names are replaced, in later inputs, by the ones
// the replay created: after a Create operation, the change's Output.Arn
// maps to the new resource's ARN, and before each call every string of
// the input's JSON equal to a mapped ARN is replaced by its new one (a walk
// of the decoded JSON: member names and tag keys are left alone). arns is
// that map, original ARN → replayed ARN, also when err is not nil (the
// changes applied so far).
//
// Each input is decoded into the SDK's input of its operation; a member
// the SDK does not know is an error, not a change left out. An unknown or
// read operation, an input that does not decode and a failing call stop
// the replay with a *ReplayError naming the change's index; the changes
// before it stay applied.
func Replay(ctx context.Context, client *bc.Client, changes []Change) (arns map[string]string, err error) {
	arns = map[string]string{}
	for i, ch := range changes {
		fail := func(err error) *ReplayError { return &ReplayError{Index: i, Operation: ch.Operation, Err: err} }
		call, ok := replayOperations[ch.Operation]
		if !ok {
			if isReadOperation(ch.Operation) {
				return arns, fail(fmt.Errorf("%s is a read operation, not a change", ch.Operation))
			}
			return arns, fail(fmt.Errorf("unknown operation %q", ch.Operation))
		}
		input, err := MapARNs(ch.Input, arns)
		if err != nil {
			return arns, fail(fmt.Errorf("input: %w", err))
		}
		out, err := call(ctx, client, input)
		if err != nil {
			return arns, fail(err)
		}
		if was := outputARN(ch.Output); was != "" {
			if now := createdARN(out); now != "" {
				arns[was] = now
			}
		}
	}
	return arns, nil
}

// ReplayError is the error of the change at Index (0-based, its place in
// the list) that stopped a replay.
type ReplayError struct {
	Index     int
	Operation string
	Err       error
}

// Error names the change and, for the API's refusal, its error code and
// message (not the SDK's transport wrapping: the calls never leave the
// process).
func (e *ReplayError) Error() string {
	msg := e.Err.Error()
	if api, ok := errors.AsType[smithy.APIError](e.Err); ok {
		msg = api.ErrorCode() + ": " + api.ErrorMessage()
	}
	if e.Operation == "" {
		return fmt.Sprintf("change %d: %s", e.Index, msg)
	}
	return fmt.Sprintf("change %d (%s): %s", e.Index, e.Operation, msg)
}

func (e *ReplayError) Unwrap() error { return e.Err }

// replayCall decodes one change's input and calls its operation.
type replayCall func(ctx context.Context, c *bc.Client, input []byte) (output any, err error)

// replayOperations are the mutating operations of the service, by name:
// every Create, Update, Delete, Associate, Disassociate, BatchAssociate,
// BatchDisassociate, TagResource and UntagResource method of the client
// (TestReplayCoversEveryMutatingOperation checks the list against the
// client's methods).
var replayOperations = map[string]replayCall{
	"AssociateAccounts":                            replayOp((*bc.Client).AssociateAccounts),
	"AssociatePricingRules":                        replayOp((*bc.Client).AssociatePricingRules),
	"BatchAssociateResourcesToCustomLineItem":      replayOp((*bc.Client).BatchAssociateResourcesToCustomLineItem),
	"BatchDisassociateResourcesFromCustomLineItem": replayOp((*bc.Client).BatchDisassociateResourcesFromCustomLineItem),
	"CreateBillingGroup":                           replayOp((*bc.Client).CreateBillingGroup),
	"CreateCustomLineItem":                         replayOp((*bc.Client).CreateCustomLineItem),
	"CreatePricingPlan":                            replayOp((*bc.Client).CreatePricingPlan),
	"CreatePricingRule":                            replayOp((*bc.Client).CreatePricingRule),
	"DeleteBillingGroup":                           replayOp((*bc.Client).DeleteBillingGroup),
	"DeleteCustomLineItem":                         replayOp((*bc.Client).DeleteCustomLineItem),
	"DeletePricingPlan":                            replayOp((*bc.Client).DeletePricingPlan),
	"DeletePricingRule":                            replayOp((*bc.Client).DeletePricingRule),
	"DisassociateAccounts":                         replayOp((*bc.Client).DisassociateAccounts),
	"DisassociatePricingRules":                     replayOp((*bc.Client).DisassociatePricingRules),
	"TagResource":                                  replayOp((*bc.Client).TagResource),
	"UntagResource":                                replayOp((*bc.Client).UntagResource),
	"UpdateBillingGroup":                           replayOp((*bc.Client).UpdateBillingGroup),
	"UpdateCustomLineItem":                         replayOp((*bc.Client).UpdateCustomLineItem),
	"UpdatePricingPlan":                            replayOp((*bc.Client).UpdatePricingPlan),
	"UpdatePricingRule":                            replayOp((*bc.Client).UpdatePricingRule),
}

// MutatingOperations returns the names of the operations Replay applies,
// sorted.
func MutatingOperations() []string {
	return slices.Sorted(maps.Keys(replayOperations))
}

// replayOp is the replayCall of a client method: the SDK's input structs
// have the members' names as field names (enums are strings, numbers
// float64, no timestamps), so encoding/json decodes an input as the
// service's JSON does.
func replayOp[In, Out any](method func(*bc.Client, context.Context, *In, ...func(*bc.Options)) (*Out, error)) replayCall {
	return func(ctx context.Context, c *bc.Client, input []byte) (any, error) {
		in := new(In)
		if len(bytes.TrimSpace(input)) > 0 && !bytes.Equal(bytes.TrimSpace(input), []byte("null")) {
			dec := json.NewDecoder(bytes.NewReader(input))
			dec.DisallowUnknownFields()
			if err := dec.Decode(in); err != nil {
				return nil, fmt.Errorf("input: %w", err)
			}
		}
		return method(c, ctx, in)
	}
}

// isReadOperation reports a Get or List operation of the client.
func isReadOperation(name string) bool {
	if _, ok := reflect.TypeFor[*bc.Client]().MethodByName(name); !ok {
		return false
	}
	return len(name) > 3 && (name[:3] == "Get" || name[:4] == "List")
}

// MapARNs returns a change's input with every string equal to a key of
// arns replaced by its value (member names and tag keys are left alone;
// numbers keep their digits): what Replay does before each call, and what
// a caller applying a change list with another tool must do.
func MapARNs(input json.RawMessage, arns map[string]string) (json.RawMessage, error) {
	if len(arns) == 0 || len(bytes.TrimSpace(input)) == 0 {
		return input, nil
	}
	dec := json.NewDecoder(bytes.NewReader(input))
	dec.UseNumber() // numbers written back as they were
	var v any
	if err := dec.Decode(&v); err != nil {
		return nil, err
	}
	var buf bytes.Buffer
	enc := json.NewEncoder(&buf)
	enc.SetEscapeHTML(false)
	if err := enc.Encode(replaceStrings(v, arns)); err != nil {
		return nil, err
	}
	return buf.Bytes(), nil
}

func replaceStrings(v any, arns map[string]string) any {
	switch v := v.(type) {
	case string:
		if to, ok := arns[v]; ok {
			return to
		}
	case []any:
		for i := range v {
			v[i] = replaceStrings(v[i], arns)
		}
	case map[string]any:
		for k := range v {
			v[k] = replaceStrings(v[k], arns)
		}
	}
	return v
}

// outputARN is the Arn of a change's Output, "" without one.
func outputARN(output json.RawMessage) string {
	var out struct{ Arn string }
	if len(output) == 0 || json.Unmarshal(output, &out) != nil {
		return ""
	}
	return out.Arn
}

// createdARN is the Arn member of an operation's output, "" without one.
func createdARN(out any) string {
	v := reflect.ValueOf(out)
	if v.Kind() != reflect.Pointer || v.IsNil() {
		return ""
	}
	f := v.Elem().FieldByName("Arn")
	if !f.IsValid() || f.Type() != reflect.TypeFor[*string]() || f.IsNil() {
		return ""
	}
	return *f.Interface().(*string)
}
