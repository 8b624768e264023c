package restjson_test

import (
	"fmt"
	"net/http"
	"testing"

	"github.com/aws/aws-sdk-go-v2/aws"
	bc "github.com/aws/aws-sdk-go-v2/service/billingconductor"
	"github.com/google/go-cmp/cmp"
)

func tagsOf(t *testing.T, c *bc.Client, arn string) map[string]string {
	t.Helper()
	out, err := c.ListTagsForResource(ctx, &bc.ListTagsForResourceInput{ResourceArn: &arn})
	if err != nil {
		t.Fatalf("ListTagsForResource %s: %v", arn, err)
	}
	return out.Tags
}

func TestTagsOnEveryResourceKind(t *testing.T) {
	e := newEnv(t)
	c := e.client(payerA)
	group := createGroup(t, c, "g", linked1)
	out, err := c.CreatePricingPlan(ctx, &bc.CreatePricingPlanInput{Name: aws.String("p"), Tags: map[string]string{"at": "create"}})
	if err != nil {
		t.Fatal(err)
	}
	plan := aws.ToString(out.Arn)
	rule := createRule(t, c, markup("r", "GLOBAL", 1))
	item := createItem(t, c, flatItem("i", group, 1))
	if got := tagsOf(t, c, plan); !cmp.Equal(got, map[string]string{"at": "create"}) {
		t.Errorf("tags given at creation = %v", got)
	}
	for _, arn := range []string{group, plan, rule, item} {
		if _, err := c.TagResource(ctx, &bc.TagResourceInput{ResourceArn: &arn, Tags: map[string]string{"team": "a", "env": "dev"}}); err != nil {
			t.Fatalf("TagResource %s: %v", arn, err)
		}
		if _, err := c.TagResource(ctx, &bc.TagResourceInput{ResourceArn: &arn, Tags: map[string]string{"team": "b"}}); err != nil {
			t.Fatal(err)
		}
		if _, err := c.UntagResource(ctx, &bc.UntagResourceInput{ResourceArn: &arn, TagKeys: []string{"env", "absent"}}); err != nil {
			t.Fatalf("UntagResource %s: %v", arn, err)
		}
		want := map[string]string{"team": "b"}
		if arn == plan {
			want["at"] = "create"
		}
		if got := tagsOf(t, c, arn); !cmp.Equal(got, want) {
			t.Errorf("tags of %s = %v, want %v", arn, got, want)
		}
	}
	t.Run("wire status codes", func(t *testing.T) {
		req, _ := http.NewRequest("GET", e.url+"/tags/"+urlPathEscape(group), nil)
		resp, err := http.DefaultClient.Do(req)
		if err != nil {
			t.Fatal(err)
		}
		resp.Body.Close()
		if resp.StatusCode != 200 {
			t.Errorf("ListTagsForResource status %d, want 200 (TG-5)", resp.StatusCode)
		}
		req, _ = http.NewRequest("DELETE", e.url+"/tags/"+urlPathEscape(group)+"?tagKeys=team", nil)
		resp, err = http.DefaultClient.Do(req)
		if err != nil {
			t.Fatal(err)
		}
		resp.Body.Close()
		if resp.StatusCode != 204 {
			t.Errorf("UntagResource status %d, want 204", resp.StatusCode)
		}
	})
}

func TestTagLimits(t *testing.T) {
	e := newEnv(t)
	c := e.client(payerA)
	group := createGroup(t, c, "g", linked1)
	many := map[string]string{}
	for i := range 199 {
		many[fmt.Sprintf("k%03d", i)] = "v"
	}
	if _, err := c.TagResource(ctx, &bc.TagResourceInput{ResourceArn: &group, Tags: many}); err != nil {
		t.Fatal(err)
	}
	if _, err := c.TagResource(ctx, &bc.TagResourceInput{ResourceArn: &group, Tags: map[string]string{"k000": "overwrite", "k199": "v"}}); err != nil {
		t.Fatalf("the 200th tag: %v", err)
	}
	_, err := c.TagResource(ctx, &bc.TagResourceInput{ResourceArn: &group, Tags: map[string]string{"one-too-many": "v"}})
	wantValidation(t, err, "FIELD_VALIDATION_FAILED", "Tags")
	_, err = c.TagResource(ctx, &bc.TagResourceInput{ResourceArn: &group, Tags: map[string]string{"aws:reserved": "v"}})
	wantValidation(t, err, "FIELD_VALIDATION_FAILED", "Tags[aws:reserved]")
	_, err = c.CreatePricingPlan(ctx, &bc.CreatePricingPlanInput{Name: aws.String("p"), Tags: map[string]string{"AWS:x": "v"}})
	wantValidation(t, err, "FIELD_VALIDATION_FAILED", "Tags[AWS:x]")
	if got := tagsOf(t, c, group); len(got) != 200 || got["k000"] != "overwrite" {
		t.Errorf("%d tags, k000=%q", len(got), got["k000"])
	}
	missing := "arn:aws:billingconductor::123456789012:billinggroup/555555555555"
	_, err = c.TagResource(ctx, &bc.TagResourceInput{ResourceArn: &missing, Tags: map[string]string{"a": "b"}})
	wantNotFound(t, err, "billinggroup", missing)
	other := "arn:aws:billingconductor::210987654321:pricingplan/ABCDEFGHIJ"
	_, err = c.ListTagsForResource(ctx, &bc.ListTagsForResourceInput{ResourceArn: &other})
	wantNotFound(t, err, "pricingplan", other)
	if _, err := c.DeleteBillingGroup(ctx, &bc.DeleteBillingGroupInput{Arn: &group}); err != nil {
		t.Fatal(err)
	}
	_, err = c.ListTagsForResource(ctx, &bc.ListTagsForResourceInput{ResourceArn: &group})
	wantNotFound(t, err, "billinggroup", group)
}
