package sts_test

import (
	"bytes"
	"context"
	"errors"
	"net/http"
	"net/http/httptest"
	"strings"
	"testing"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/credentials"
	"github.com/aws/aws-sdk-go-v2/service/sts"
	"github.com/aws/smithy-go"

	"github.com/proforma-dev/proforma/internal/conductor"
	"github.com/proforma-dev/proforma/internal/restjson"
	proformasts "github.com/proforma-dev/proforma/internal/sts"
)

// client is the Go SDK's STS client pointed at url with a key.
func client(url, key, secret string) *sts.Client {
	return sts.New(sts.Options{
		BaseEndpoint: aws.String(url),
		Region:       "us-east-1",
		Credentials:  credentials.NewStaticCredentialsProvider(key, secret, ""),
	})
}

func serve(t *testing.T, id restjson.Identity) string {
	t.Helper()
	h := &proformasts.Handler{Identity: id}
	srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		if !proformasts.IsQuery(r) {
			http.Error(w, "not a query request", http.StatusTeapot)
			return
		}
		h.ServeHTTP(w, r)
	}))
	t.Cleanup(srv.Close)
	return srv.URL
}

// GetCallerIdentity answers the caller's account as the API decides it:
// in permissive mode the access key when it is an account ID, else the
// default payer; in strict mode the owner of a verified key.
func TestGetCallerIdentity(t *testing.T) {
	ctx := context.Background()
	org := conductor.DemoOrganization()
	permissive := serve(t, restjson.Identity{DefaultPayer: "123456789012"})
	for key, want := range map[string]string{"210987654321": "210987654321", "AKIANOTANACCOUNT": "123456789012"} {
		out, err := client(permissive, key, "anything").GetCallerIdentity(ctx, &sts.GetCallerIdentityInput{})
		if err != nil {
			t.Fatalf("key %s: %v", key, err)
		}
		if aws.ToString(out.Account) != want || aws.ToString(out.Arn) != "arn:aws:iam::"+want+":root" || aws.ToString(out.UserId) != want {
			t.Errorf("key %s: Account %s, Arn %s, UserId %s; want account %s", key, aws.ToString(out.Account),
				aws.ToString(out.Arn), aws.ToString(out.UserId), want)
		}
	}

	strict := serve(t, restjson.Identity{Strict: true, DefaultPayer: "123456789012", Keys: restjson.NewKeys(org)})
	out, err := client(strict, "123456789012", "proforma-demo-secret").GetCallerIdentity(ctx, &sts.GetCallerIdentityInput{})
	if err != nil || aws.ToString(out.Account) != "123456789012" {
		t.Fatalf("strict, demo key: %v, %v", out, err)
	}
	for name, c := range map[string]*sts.Client{
		"wrong secret": client(strict, "123456789012", "wrong"),
		"unknown key":  client(strict, "AKIAUNKNOWN", "x"),
	} {
		_, err := c.GetCallerIdentity(ctx, &sts.GetCallerIdentityInput{})
		var api smithy.APIError
		if !errors.As(err, &api) || (api.ErrorCode() != "SignatureDoesNotMatch" && api.ErrorCode() != "InvalidClientTokenId") {
			t.Errorf("strict, %s: %v, want an authentication error", name, err)
		}
	}
}

// Other actions, and bodies that are not a GetCallerIdentity form, are
// awsQuery errors, not the API's.
func TestOtherActions(t *testing.T) {
	url := serve(t, restjson.Identity{DefaultPayer: "123456789012"})
	for body, want := range map[string]string{
		"Action=AssumeRole&Version=2011-06-15": "<Code>InvalidAction</Code>",
		"Version=2011-06-15":                   "<Code>MissingAction</Code>",
		"Action=%zz":                           "<Code>MalformedQueryString</Code>",
	} {
		resp, err := http.Post(url, "application/x-www-form-urlencoded", strings.NewReader(body))
		if err != nil {
			t.Fatal(err)
		}
		var b bytes.Buffer
		_, _ = b.ReadFrom(resp.Body)
		resp.Body.Close()
		if resp.StatusCode != http.StatusBadRequest || !strings.Contains(b.String(), want) || !strings.Contains(b.String(), "<ErrorResponse") {
			t.Errorf("%q: %d %s, want 400 with %s", body, resp.StatusCode, b.String(), want)
		}
	}
}
