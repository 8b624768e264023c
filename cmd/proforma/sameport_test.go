package main

import (
	"testing"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/credentials"
	bc "github.com/aws/aws-sdk-go-v2/service/billingconductor"
	"github.com/aws/aws-sdk-go-v2/service/cloudcontrol"
	cctypes "github.com/aws/aws-sdk-go-v2/service/cloudcontrol/types"
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

// The binary answers the Cloud Control API on the same port: a plan
// created through Cloud Control is a plan of the Billing Conductor API.
func TestCloudControlOnTheAPIPort(t *testing.T) {
	p := startProforma(t, t.TempDir())
	ctx, cancel := callCtx()
	defer cancel()
	creds := credentials.NewStaticCredentialsProvider("123456789012", "anything", "")
	cc := cloudcontrol.New(cloudcontrol.Options{BaseEndpoint: aws.String(p.URL), Region: "us-east-1", Credentials: creds})
	out, err := cc.CreateResource(ctx, &cloudcontrol.CreateResourceInput{TypeName: aws.String("AWS::BillingConductor::PricingPlan"),
		DesiredState: aws.String(`{"Name":"through-cloud-control"}`)})
	if err != nil || out.ProgressEvent.OperationStatus != cctypes.OperationStatusSuccess {
		t.Fatalf("CreateResource = %+v, %v", out, err)
	}
	plans, err := bc.New(bc.Options{BaseEndpoint: aws.String(p.URL), Region: "us-east-1", Credentials: creds}).
		ListPricingPlans(ctx, &bc.ListPricingPlansInput{})
	if err != nil || len(plans.PricingPlans) != 1 || aws.ToString(plans.PricingPlans[0].Arn) != aws.ToString(out.ProgressEvent.Identifier) {
		t.Fatalf("ListPricingPlans after CreateResource = %+v, %v", plans, err)
	}
}
