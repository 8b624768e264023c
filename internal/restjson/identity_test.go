package restjson_test

import (
	"errors"
	"net/http"
	"strings"
	"testing"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/credentials"
	bc "github.com/aws/aws-sdk-go-v2/service/billingconductor"
	"github.com/aws/smithy-go"

	"github.com/proforma-dev/proforma/internal/conductor"
	"github.com/proforma-dev/proforma/internal/restjson"
)

func (e *env) signedClient(key, secret string) *bc.Client {
	return bc.New(bc.Options{
		BaseEndpoint: aws.String(e.url), Region: "us-east-1", RetryMaxAttempts: 1,
		Credentials: credentials.NewStaticCredentialsProvider(key, secret, ""),
		HTTPClient:  &http.Client{Transport: bufferedTransport{}},
	})
}

func wantAPIErrorCode(t *testing.T, err error, code string) {
	t.Helper()
	var api smithy.APIError
	if !errors.As(err, &api) || api.ErrorCode() != code {
		t.Fatalf("error = %v, want %s", err, code)
	}
}

func TestStrictSigV4(t *testing.T) {
	org := conductor.DemoOrganization()
	org.Payers[0].Payer.Credentials = []conductor.Credential{{AccessKeyID: "AKIAPAYERA", SecretAccessKey: "secret-a"}}
	e := newEnvWith(t, org, restjson.Identity{Strict: true, Keys: restjson.NewKeys(org)})
	good := e.signedClient("AKIAPAYERA", "secret-a")
	arn := createGroup(t, good, "signed", linked1)
	if !billingGroupARN.MatchString(arn) {
		t.Fatalf("the signed caller is payer A: %s", arn)
	}
	// Payer B's demo credentials: its own data only.
	if groups := listGroups(t, e.signedClient(payerB, "proforma-demo-secret"), &bc.ListBillingGroupsInput{}); len(groups) != 0 {
		t.Errorf("payer B sees %d groups", len(groups))
	}
	before := snapshot(t, good)
	create := func(c *bc.Client) error {
		_, err := c.AssociateAccounts(ctx, &bc.AssociateAccountsInput{Arn: &arn, AccountIds: []string{linked2}})
		return err
	}
	wantAPIErrorCode(t, create(e.signedClient("AKIAPAYERA", "wrong")), "InvalidSignatureException")
	wantAPIErrorCode(t, create(e.signedClient("AKIAUNKNOWN", "secret-a")), "UnrecognizedClientException")
	// A 12-digit key means nothing in strict mode unless it is a credential.
	wantAPIErrorCode(t, create(e.signedClient(payerA, "secret-a")), "UnrecognizedClientException")
	unsigned, err := http.Post(e.url+"/list-billing-groups", "application/json", strings.NewReader("{}"))
	if err != nil {
		t.Fatal(err)
	}
	unsigned.Body.Close()
	if unsigned.StatusCode != http.StatusForbidden || unsigned.Header.Get("X-Amzn-ErrorType") != "MissingAuthenticationTokenException" {
		t.Errorf("unsigned request: %d %s", unsigned.StatusCode, unsigned.Header.Get("X-Amzn-ErrorType"))
	}
	unchanged(t, good, before)
}

func TestPermissiveRejectsMalformedAuthorization(t *testing.T) {
	e := newEnv(t)
	req, _ := http.NewRequest("POST", e.url+"/list-billing-groups", strings.NewReader("{}"))
	req.Header.Set("Authorization", "AWS4-HMAC-SHA256 garbage")
	resp, err := http.DefaultClient.Do(req)
	if err != nil {
		t.Fatal(err)
	}
	resp.Body.Close()
	if resp.StatusCode != http.StatusForbidden || resp.Header.Get("X-Amzn-ErrorType") != "IncompleteSignatureException" {
		t.Errorf("malformed Authorization: %d %s", resp.StatusCode, resp.Header.Get("X-Amzn-ErrorType"))
	}
}
