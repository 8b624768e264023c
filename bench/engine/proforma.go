package main

// The Proforma side: the real binary built from ./cmd/proforma, run as
// child processes — `serve` (to create the billing groups through the
// API), `import` and `report`.

import (
	"context"
	"encoding/json"
	"fmt"
	"os/exec"
	"path/filepath"
	"strings"

	"github.com/proforma-dev/proforma/bench/internal/benchproc"
	"github.com/proforma-dev/proforma/internal/harness"

	"github.com/aws/aws-sdk-go-v2/aws"
	bc "github.com/aws/aws-sdk-go-v2/service/billingconductor"
	bctypes "github.com/aws/aws-sdk-go-v2/service/billingconductor/types"
)

// groupCosts is one billing group's totals, as exact decimal strings.
type groupCosts struct {
	Name         string `json:"name"`
	AWSCost      string `json:"awsCost"`
	ProformaCost string `json:"proformaCost"`
	Margin       string `json:"margin,omitempty"`
}

// buildProforma builds ./cmd/proforma of the module at root into dir and
// returns the binary's path.
func buildProforma(root, dir string) (string, error) {
	bin := filepath.Join(dir, "proforma")
	return bin, harness.Build(root, bin, "./cmd/proforma")
}

// hasEngineCommands reports whether the binary has `import` and `report`.
func hasEngineCommands(bin string) bool {
	out, err := exec.Command(bin, "help").Output()
	return err == nil && strings.Contains(string(out), "proforma import") && strings.Contains(string(out), "proforma report")
}

// setupGroups starts `proforma serve` on data with the clock in the
// benchmark's period, creates the pricing rules, plans and billing groups
// of the scenario through the AWS SDK, and stops the server (SIGTERM).
func setupGroups(ctx context.Context, bin, data string) error {
	srv, err := benchproc.StartServer(ctx, bin, data, serveNow)
	if err != nil {
		return err
	}
	defer srv.Stop()
	c := newBillingConductor(srv.URL)
	for _, g := range groups {
		if err := createGroup(ctx, c, g); err != nil {
			return fmt.Errorf("%s: %w", g.Name, err)
		}
	}
	return srv.Stop()
}

// createGroup creates a group's rules, its plan and the group itself.
func createGroup(ctx context.Context, c *bc.Client, g group) error {
	var ruleARNs []string
	for i, r := range g.Rules {
		in := &bc.CreatePricingRuleInput{
			Name:  aws.String(fmt.Sprintf("%s-rule-%d", g.Name, i)),
			Scope: bctypes.PricingRuleScope(r.Scope),
			Type:  bctypes.PricingRuleType(r.Type),
		}
		if r.Type != "TIERING" {
			in.ModifierPercentage = aws.Float64(r.Percentage)
		}
		if r.FreeTier != nil {
			in.Tiering = &bctypes.CreateTieringInput{FreeTier: &bctypes.CreateFreeTierConfig{Activated: aws.Bool(*r.FreeTier)}}
		}
		in.Service, in.BillingEntity = optional(r.Service), optional(r.Entity)
		in.UsageType, in.Operation = optional(r.UsageType), optional(r.Operation)
		out, err := c.CreatePricingRule(ctx, in)
		if err != nil {
			return fmt.Errorf("create pricing rule %d: %w", i, err)
		}
		ruleARNs = append(ruleARNs, aws.ToString(out.Arn))
	}
	plan, err := c.CreatePricingPlan(ctx, &bc.CreatePricingPlanInput{Name: aws.String(g.Name + "-plan"), PricingRuleArns: ruleARNs})
	if err != nil {
		return fmt.Errorf("create pricing plan: %w", err)
	}
	_, err = c.CreateBillingGroup(ctx, &bc.CreateBillingGroupInput{
		Name:                  aws.String(g.Name),
		PrimaryAccountId:      aws.String(g.Accounts[0]),
		AccountGrouping:       &bctypes.AccountGrouping{LinkedAccountIds: g.Accounts},
		ComputationPreference: &bctypes.ComputationPreference{PricingPlanArn: plan.Arn},
	})
	if err != nil {
		return fmt.Errorf("create billing group: %w", err)
	}
	return nil
}

func optional(s string) *string {
	if s == "" {
		return nil
	}
	return aws.String(s)
}

// newBillingConductor is an SDK client calling as the demo payer (the
// server's permissive auth takes the access key as the account).
func newBillingConductor(endpoint string) *bc.Client { return harness.NewClient(endpoint, payer) }

// importCUR runs `proforma import --data data --quiet file` and returns
// its summary (standard output).
func importCUR(bin, data, file string) (string, measure, error) {
	out, m, err := run("", bin, "import", "--data", data, "--quiet", file)
	return trimSpace(out), m, err
}

// report runs `proforma report --format json` for the benchmark's period
// and returns each group's totals.
func report(bin, data string) ([]groupCosts, measure, error) {
	out, m, err := run("", bin, "report", "--data", data, "--period", period, "--format", "json")
	if err != nil {
		return nil, m, err
	}
	var groups []groupCosts
	if err := json.Unmarshal(out, &groups); err != nil {
		return nil, m, fmt.Errorf("proforma report: %v\n%s", err, tail(string(out), 2000))
	}
	return groups, m, nil
}
