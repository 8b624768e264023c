package main

import (
	"testing"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/credentials"
	bc "github.com/aws/aws-sdk-go-v2/service/billingconductor"
	"github.com/aws/aws-sdk-go-v2/service/sts"
)

// The binary answers STS GetCallerIdentity and the Billing Conductor API
// on the same port: a tool given one endpoint for every service (as
// AWS_ENDPOINT_URL does) checks its credentials, then calls the API.
func TestSTSOnTheAPIPort(t *testing.T) {
	p := startProforma(t, t.TempDir())
	ctx, cancel := callCtx()
	defer cancel()
	creds := credentials.NewStaticCredentialsProvider("210987654321", "anything", "")
	id, err := sts.New(sts.Options{BaseEndpoint: aws.String(p.URL), Region: "us-east-1", Credentials: creds}).
		GetCallerIdentity(ctx, &sts.GetCallerIdentityInput{})
	if err != nil || aws.ToString(id.Account) != "210987654321" {
		t.Fatalf("GetCallerIdentity = %+v, %v", id, err)
	}
	groups, err := bc.New(bc.Options{BaseEndpoint: aws.String(p.URL), Region: "us-east-1", Credentials: creds}).
		ListBillingGroups(ctx, &bc.ListBillingGroupsInput{})
	if err != nil || groups.BillingGroups == nil {
		t.Fatalf("ListBillingGroups after GetCallerIdentity = %+v, %v", groups, err)
	}
}
