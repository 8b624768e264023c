package main

// The Proforma workloads, driven by the AWS SDK for Go v2 Billing Conductor
// client in permissive auth as payer 123456789012 of the demo organization.

import (
	"context"
	"errors"
	"fmt"
	"net/http"
	"strings"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/credentials"
	bc "github.com/aws/aws-sdk-go-v2/service/billingconductor"
	bctypes "github.com/aws/aws-sdk-go-v2/service/billingconductor/types"
	"github.com/aws/smithy-go"
)

const (
	payer        = "123456789012"
	basicPlanARN = "arn:aws:billingconductor::aws:pricingplan/BasicPricingPlan"
	// demoAccounts is the number of linked accounts of the demo payer:
	// 100000000001…100000000040.
	demoAccounts = 40
	// associateGroups is the number of billing groups the associate phase
	// spreads its workers over; their primaries are accounts 1…4 and each
	// worker moves its own account (5, 6, …) in and out.
	associateGroups = 4
	// maxAssociateWorkers is the number of accounts left for workers.
	maxAssociateWorkers = demoAccounts - associateGroups
	// listGroups is the number of billing groups (2 accounts each) the list
	// phase reads.
	listGroups = 20
	// createBudget keeps a create run under the quota of 5,000 pricing plans
	// per payer (the store is reset before every run).
	createBudget = 4900
)

func demoAccount(n int) string { return fmt.Sprintf("1000000000%02d", n) }

func newBillingConductor(endpoint string, hc *http.Client) *bc.Client {
	return bc.New(bc.Options{
		BaseEndpoint:     aws.String(endpoint),
		Region:           "us-east-1",
		Credentials:      credentials.NewStaticCredentialsProvider(payer, "proforma-bench-secret", ""),
		RetryMaxAttempts: 1,
		HTTPClient:       hc,
	})
}

// proformaPhases returns the phases of a Proforma server at url.
func proformaPhases(url string, hc *http.Client) []phase {
	c := newBillingConductor(url, hc)
	admin := &http.Client{}
	reset := func(ctx context.Context) error {
		req, _ := http.NewRequestWithContext(ctx, http.MethodPost, url+"/_proforma/reset", nil)
		resp, err := admin.Do(req)
		if err != nil {
			return err
		}
		resp.Body.Close()
		if resp.StatusCode != http.StatusOK {
			return fmt.Errorf("POST /_proforma/reset: %s", resp.Status)
		}
		return nil
	}
	// groups creates n billing groups of size accounts each, from account 1 on.
	groups := func(ctx context.Context, n, size int) ([]string, error) {
		var arns []string
		for g := range n {
			var linked []string
			for a := range size {
				linked = append(linked, demoAccount(g*size+a+1))
			}
			out, err := c.CreateBillingGroup(ctx, &bc.CreateBillingGroupInput{
				Name:                  aws.String(fmt.Sprintf("bench-group-%02d", g)),
				PrimaryAccountId:      aws.String(linked[0]),
				AccountGrouping:       &bctypes.AccountGrouping{LinkedAccountIds: linked},
				ComputationPreference: &bctypes.ComputationPreference{PricingPlanArn: aws.String(basicPlanARN)},
			})
			if err != nil {
				return nil, fmt.Errorf("create billing group: %w", err)
			}
			arns = append(arns, aws.ToString(out.Arn))
		}
		return arns, nil
	}

	var run int // distinguishes the names of successive runs
	var assocGroups []string
	return []phase{{
		Name:       "create",
		Operations: "CreatePricingPlan (unique name; SDK-generated ClientToken)",
		MaxOps:     createBudget,
		Prepare: func(ctx context.Context, workers int) error {
			run++
			return reset(ctx)
		},
		Op: func(ctx context.Context, w, seq int) error {
			_, err := c.CreatePricingPlan(ctx, &bc.CreatePricingPlanInput{
				Name:        aws.String(fmt.Sprintf("bench-r%d-w%02d-%06d", run, w, seq)),
				Description: aws.String("API speed benchmark"),
			})
			return err
		},
		Expected: isCode("ServiceLimitExceededException"),
	}, {
		Name:       "associate",
		Operations: "AssociateAccounts, DisassociateAccounts alternately (1 account; worker's own account, 4 groups)",
		Prepare: func(ctx context.Context, workers int) error {
			if workers > maxAssociateWorkers {
				return fmt.Errorf("the associate phase supports at most %d workers (the demo payer has %d accounts)",
					maxAssociateWorkers, demoAccounts)
			}
			if err := reset(ctx); err != nil {
				return err
			}
			var err error
			assocGroups, err = groups(ctx, associateGroups, 1)
			return err
		},
		Op: func(ctx context.Context, w, seq int) error {
			arn := aws.String(assocGroups[w%associateGroups])
			accounts := []string{demoAccount(associateGroups + 1 + w)}
			if seq%2 == 0 {
				_, err := c.AssociateAccounts(ctx, &bc.AssociateAccountsInput{Arn: arn, AccountIds: accounts})
				return err
			}
			_, err := c.DisassociateAccounts(ctx, &bc.DisassociateAccountsInput{Arn: arn, AccountIds: accounts})
			return err
		},
	}, {
		Name:       "list",
		Operations: fmt.Sprintf("ListBillingGroups (%d groups), ListAccountAssociations (%d accounts) alternately", listGroups, demoAccounts+1),
		Prepare: func(ctx context.Context, workers int) error {
			if err := reset(ctx); err != nil {
				return err
			}
			_, err := groups(ctx, listGroups, demoAccounts/listGroups)
			return err
		},
		Op: func(ctx context.Context, w, seq int) error {
			if seq%2 == 0 {
				out, err := c.ListBillingGroups(ctx, &bc.ListBillingGroupsInput{})
				if err == nil && len(out.BillingGroups) != listGroups {
					err = fmt.Errorf("ListBillingGroups: %d groups, want %d", len(out.BillingGroups), listGroups)
				}
				return err
			}
			out, err := c.ListAccountAssociations(ctx, &bc.ListAccountAssociationsInput{})
			if err == nil && len(out.LinkedAccounts) < demoAccounts {
				err = fmt.Errorf("ListAccountAssociations: %d accounts, want at least %d", len(out.LinkedAccounts), demoAccounts)
			}
			return err
		},
	}}
}

// isCode matches an API error by code.
func isCode(codes ...string) func(error) bool {
	return func(err error) bool {
		var ae smithy.APIError
		if !errors.As(err, &ae) {
			return false
		}
		for _, c := range codes {
			if strings.EqualFold(ae.ErrorCode(), c) {
				return true
			}
		}
		return false
	}
}
