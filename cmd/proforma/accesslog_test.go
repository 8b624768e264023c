package main

import (
	"bufio"
	"encoding/json"
	"errors"
	"strings"
	"testing"
	"time"

	"github.com/aws/aws-sdk-go-v2/aws"
	awsmiddleware "github.com/aws/aws-sdk-go-v2/aws/middleware"
	awshttp "github.com/aws/aws-sdk-go-v2/aws/transport/http"
	bc "github.com/aws/aws-sdk-go-v2/service/billingconductor"
)

// TestRequestLogJSON runs the server with --log-format json: each
// response's x-amzn-RequestId is on exactly one log line, with the
// operation, the caller, the status, the error code and a duration.
func TestRequestLogJSON(t *testing.T) {
	p := startProforma(t, ":memory:", "--log-format", "json")
	c := newClient(p.URL, "123456789012")
	ctx, cancel := callCtx()
	defer cancel()
	type call struct {
		id, operation, code string
		status              int
	}
	var calls []call
	out, err := c.ListBillingGroups(ctx, &bc.ListBillingGroupsInput{})
	if err != nil {
		t.Fatal(err)
	}
	id, _ := awsmiddleware.GetRequestIDMetadata(out.ResultMetadata)
	calls = append(calls, call{id, "ListBillingGroups", "", 200})
	_, err = c.CreatePricingRule(ctx, &bc.CreatePricingRuleInput{Name: aws.String("bad name!"), Scope: "GLOBAL", Type: "MARKUP",
		ModifierPercentage: aws.Float64(1)})
	var re *awshttp.ResponseError
	if !errors.As(err, &re) {
		t.Fatalf("a bad name: %v", err)
	}
	calls = append(calls, call{re.ServiceRequestID(), "CreatePricingRule", "ValidationException", 400})

	deadline := time.Now().Add(5 * time.Second)
	for _, want := range calls {
		for {
			var found []map[string]any
			sc := bufio.NewScanner(strings.NewReader(p.output.String()))
			for sc.Scan() {
				var line map[string]any
				if json.Unmarshal(sc.Bytes(), &line) == nil && line["msg"] == "request" && line["requestId"] == want.id {
					found = append(found, line)
				}
			}
			if len(found) == 1 {
				l := found[0]
				if l["operation"] != want.operation || l["status"] != float64(want.status) || l["errorCode"] != want.code ||
					l["caller"] != "123456789012" || l["durationMs"] == nil {
					t.Errorf("request %s: %v, want %+v", want.id, l, want)
				}
				break
			}
			if len(found) > 1 || time.Now().After(deadline) {
				t.Fatalf("request %s (%s) is on %d log lines:\n%s", want.id, want.operation, len(found), p.output.String())
			}
			time.Sleep(20 * time.Millisecond)
		}
	}
	if strings.Contains(p.output.String(), "bad name!") {
		t.Error("a request body reached the log")
	}
}
