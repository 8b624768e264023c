package compat_test

// The AWS SDK for Go v2, in process. Operations are found by reflection on
// the service's client (*billingconductor.Client, *cloudcontrol.Client,
// *sts.Client), so an operation the SDK's model predates is reported "not in
// client" rather than hard-coded.

import (
	"bytes"
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"net/http"
	"os"
	"reflect"
	"regexp"
	"runtime/debug"
	"strings"

	"github.com/aws/aws-sdk-go-v2/aws"
	awshttp "github.com/aws/aws-sdk-go-v2/aws/transport/http"
	"github.com/aws/aws-sdk-go-v2/credentials"
	bc "github.com/aws/aws-sdk-go-v2/service/billingconductor"
	"github.com/aws/aws-sdk-go-v2/service/billingconductor/types"
	"github.com/aws/aws-sdk-go-v2/service/cloudcontrol"
	"github.com/aws/aws-sdk-go-v2/service/sts"
	"github.com/aws/smithy-go"
)

const (
	goSDKModule = "github.com/aws/aws-sdk-go-v2/service/billingconductor"
	goCCModule  = "github.com/aws/aws-sdk-go-v2/service/cloudcontrol"
	goSTSModule = "github.com/aws/aws-sdk-go-v2/service/sts"
)

type goClient struct {
	clients map[string]any // by service
}

func newGoClient(endpoint string) *goClient {
	creds := credentials.NewStaticCredentialsProvider(callerKey, callerSecret, "")
	httpClient := &http.Client{Transport: bufferedTransport{}}
	return &goClient{clients: map[string]any{
		"billingconductor": bc.New(bc.Options{BaseEndpoint: aws.String(endpoint), Region: region, Credentials: creds,
			RetryMaxAttempts: 1, HTTPClient: httpClient}),
		"cloudcontrol": cloudcontrol.New(cloudcontrol.Options{BaseEndpoint: aws.String(endpoint), Region: region, Credentials: creds,
			RetryMaxAttempts: 1, HTTPClient: httpClient}),
		"sts": sts.New(sts.Options{BaseEndpoint: aws.String(endpoint), Region: region, Credentials: creds,
			RetryMaxAttempts: 1, HTTPClient: httpClient}),
	}}
}

// goSDKVersion is the version of a module linked into this test binary (from
// its build information, else from go.mod).
func goSDKVersion(module string) string {
	if info, ok := debug.ReadBuildInfo(); ok {
		for _, dep := range info.Deps {
			if dep.Path == module {
				if dep.Replace != nil {
					dep = dep.Replace
				}
				return dep.Version
			}
		}
	}
	if b, err := os.ReadFile("../go.mod"); err == nil {
		if m := regexp.MustCompile(regexp.QuoteMeta(module) + ` (v\S+)`).FindSubmatch(b); m != nil {
			return string(m[1])
		}
	}
	return "unknown"
}

var (
	contextType = reflect.TypeFor[context.Context]()
	errorType   = reflect.TypeFor[error]()
)

func (g *goClient) call(ctx context.Context, service, op string, params map[string]any) (outcome, error) {
	c, ok := g.clients[service]
	if !ok {
		return outcome{}, fmt.Errorf("no Go client for service %s", service)
	}
	m := reflect.ValueOf(c).MethodByName(op)
	if !m.IsValid() {
		return outcome{notInClient: true}, nil
	}
	mt := m.Type()
	if mt.NumIn() != 3 || mt.In(0) != contextType || mt.In(1).Kind() != reflect.Pointer || mt.NumOut() != 2 || mt.Out(1) != errorType {
		return outcome{}, fmt.Errorf("(*Client).%s is not an operation method: %s", op, mt)
	}
	// The SDK's input structs have the model's member names as field names.
	in := reflect.New(mt.In(1).Elem())
	b, err := json.Marshal(params)
	if err != nil {
		return outcome{}, err
	}
	dec := json.NewDecoder(bytes.NewReader(b))
	dec.DisallowUnknownFields()
	if err := dec.Decode(in.Interface()); err != nil {
		return outcome{}, fmt.Errorf("params do not fit %s: %v", mt.In(1).Elem(), err)
	}
	res := m.Call([]reflect.Value{reflect.ValueOf(ctx), in})
	if errV := res[1]; !errV.IsNil() {
		if service != defaultService {
			return goOtherError(service, errV.Interface().(error))
		}
		return goError(errV.Interface().(error))
	}
	out, err := json.Marshal(res[0].Interface())
	if err != nil {
		return outcome{}, err
	}
	o, err := decodeJSON(out)
	if err != nil {
		return outcome{}, err
	}
	delete(o, "ResultMetadata")
	return outcome{output: o}, nil
}

// serviceError reads the code, message and HTTP status of a failed call.
func serviceError(err error) (smithy.APIError, *callError, error) {
	var api smithy.APIError
	if !errors.As(err, &api) {
		return nil, nil, fmt.Errorf("not a service error: %v", err)
	}
	ce := &callError{code: api.ErrorCode(), message: api.ErrorMessage()}
	var re *awshttp.ResponseError
	if errors.As(err, &re) {
		ce.status = re.HTTPStatusCode()
	} else {
		ce.problems = append(ce.problems, "no *awshttp.ResponseError in the chain")
	}
	return api, ce, nil
}

// goError reads a failed call the way a Go program would: smithy.APIError for
// the code and message, awshttp.ResponseError for the status, and errors.As
// into the modeled exception type for its members.
func goError(err error) (outcome, error) {
	api, ce, notService := serviceError(err)
	if notService != nil {
		return outcome{}, notService
	}
	typed := true
	switch ce.code {
	case "ValidationException":
		var e *types.ValidationException
		if typed = errors.As(err, &e); typed {
			ce.reason, ce.hasReason, ce.hasFields = string(e.Reason), true, true
			for _, f := range e.Fields {
				ce.fields = append(ce.fields, aws.ToString(f.Name))
				if aws.ToString(f.Message) == "" {
					ce.problems = append(ce.problems, fmt.Sprintf("field %s without a message", aws.ToString(f.Name)))
				}
			}
		}
	case "ConflictException":
		var e *types.ConflictException
		if typed = errors.As(err, &e); typed {
			ce.reason, ce.hasReason = string(e.Reason), true
			if aws.ToString(e.ResourceId) == "" || aws.ToString(e.ResourceType) == "" {
				ce.problems = append(ce.problems, "ConflictException without ResourceId or ResourceType")
			}
		}
	case "ResourceNotFoundException":
		var e *types.ResourceNotFoundException
		if typed = errors.As(err, &e); typed && (aws.ToString(e.ResourceId) == "" || aws.ToString(e.ResourceType) == "") {
			ce.problems = append(ce.problems, "ResourceNotFoundException without ResourceId or ResourceType")
		}
	case "AccessDeniedException":
		var e *types.AccessDeniedException
		typed = errors.As(err, &e)
	case "ServiceLimitExceededException":
		var e *types.ServiceLimitExceededException
		typed = errors.As(err, &e)
	case "ThrottlingException":
		var e *types.ThrottlingException
		typed = errors.As(err, &e)
	case "InternalServerException":
		var e *types.InternalServerException
		typed = errors.As(err, &e)
	}
	if !typed {
		ce.problems = append(ce.problems, fmt.Sprintf("not deserialized into *types.%s (got %T)", ce.code, api))
	}
	return outcome{apiErr: ce}, nil
}

// goOtherError reads a failed call of another service: the code, message and
// status, and the error must be the modeled type of the service's types
// package (*types.<Code>).
func goOtherError(service string, err error) (outcome, error) {
	api, ce, notService := serviceError(err)
	if notService != nil {
		return outcome{}, notService
	}
	typ := reflect.TypeOf(api)
	if typ.Kind() == reflect.Pointer {
		typ = typ.Elem()
	}
	if typ.Name() != ce.code || !strings.HasSuffix(typ.PkgPath(), "/service/"+service+"/types") {
		ce.problems = append(ce.problems, fmt.Sprintf("not deserialized into *%s/types.%s (got %T)", service, ce.code, api))
	}
	return outcome{apiErr: ce}, nil
}

// bufferedTransport reads each response body completely before the SDK sees
// it: smithy-go v1.28.8 closes the request body as soon as client.Do returns,
// which can make net/http close the connection while a larger response is
// still being read (see internal/restjson/env_test.go).
type bufferedTransport struct{}

func (bufferedTransport) RoundTrip(r *http.Request) (*http.Response, error) {
	resp, err := http.DefaultTransport.RoundTrip(r)
	if err != nil {
		return nil, err
	}
	defer resp.Body.Close()
	body, err := io.ReadAll(resp.Body)
	if err != nil {
		return nil, err
	}
	resp.Body = io.NopCloser(bytes.NewReader(body))
	return resp, nil
}
