package main

// The moto workloads: moto's server is the usual local stand-in for AWS
// services, and it has no Billing Conductor. SQS over its JSON protocol
// (awsJson1_0, as aws-sdk-go-v2 speaks it) is the closest comparable:
// small JSON requests that create, relate/unrelate and list resources of an
// in-memory backend, driven by the real SDK client the same way.

import (
	"context"
	"fmt"
	"net/http"
	"os"
	"os/exec"
	"path/filepath"
	"strings"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/credentials"
	"github.com/aws/aws-sdk-go-v2/service/sqs"
)

const (
	motoAssociateQueues = associateGroups
	motoListQueues      = listGroups
)

// motoCommand finds how to run moto's server: the Python interpreter that
// imports moto (resolved through pyenv-style shims, so that the startup time
// is the server's, not a shim's), else a moto_server on the PATH. ok is
// false when neither works.
func motoCommand() (argv []string, version string, ok bool) {
	if py, err := exec.LookPath("python3"); err == nil {
		out, err := exec.Command(py, "-c", "import sys, moto, moto.server; print(sys.executable); print(moto.__version__)").Output()
		if err == nil {
			lines := strings.Fields(string(out))
			if len(lines) == 2 {
				return []string{lines[0], "-m", "moto.server"}, lines[1], true
			}
		}
	}
	if ms, err := exec.LookPath("moto_server"); err == nil {
		// A pyenv shim execs the real script; prefer the real one when it is next to python3.
		if real, err := filepath.EvalSymlinks(ms); err == nil {
			ms = real
		}
		if _, err := os.Stat(ms); err == nil {
			return []string{ms}, "unknown", true
		}
	}
	return nil, "", false
}

func motoSpec(argv []string) spec {
	return spec{
		name: "moto",
		argv: func(addr string) []string {
			host, port, _ := strings.Cut(addr, ":")
			return append(append([]string{}, argv...), "-H", host, "-p", port)
		},
		health: "/moto-api/data.json",
	}
}

func newSQS(endpoint string, hc *http.Client) *sqs.Client {
	return sqs.New(sqs.Options{
		BaseEndpoint:     aws.String(endpoint),
		Region:           "us-east-1",
		Credentials:      credentials.NewStaticCredentialsProvider("AKIAIOSFODNN7EXAMPLE", "moto-bench-secret", ""),
		RetryMaxAttempts: 1,
		HTTPClient:       hc,
	})
}

// motoPhases returns the phases of a moto server at url.
func motoPhases(url string, hc *http.Client) []phase {
	c := newSQS(url, hc)
	admin := &http.Client{}
	reset := func(ctx context.Context) error {
		req, _ := http.NewRequestWithContext(ctx, http.MethodPost, url+"/moto-api/reset", nil)
		resp, err := admin.Do(req)
		if err != nil {
			return err
		}
		resp.Body.Close()
		if resp.StatusCode != http.StatusOK {
			return fmt.Errorf("POST /moto-api/reset: %s", resp.Status)
		}
		return nil
	}
	queues := func(ctx context.Context, n int) ([]string, error) {
		var urls []string
		for i := range n {
			out, err := c.CreateQueue(ctx, &sqs.CreateQueueInput{QueueName: aws.String(fmt.Sprintf("bench-queue-%02d", i))})
			if err != nil {
				return nil, fmt.Errorf("create queue: %w", err)
			}
			urls = append(urls, aws.ToString(out.QueueUrl))
		}
		return urls, nil
	}

	var run int
	var assocQueues, listQueues []string
	return []phase{{
		Name:       "create",
		Operations: "CreateQueue (unique name)",
		Prepare: func(ctx context.Context, workers int) error {
			run++
			return reset(ctx)
		},
		Op: func(ctx context.Context, w, seq int) error {
			_, err := c.CreateQueue(ctx, &sqs.CreateQueueInput{
				QueueName: aws.String(fmt.Sprintf("bench-r%d-w%02d-%06d", run, w, seq)),
			})
			return err
		},
	}, {
		Name:       "associate",
		Operations: "TagQueue, UntagQueue alternately (worker's own tag key, 4 queues)",
		Prepare: func(ctx context.Context, workers int) error {
			if err := reset(ctx); err != nil {
				return err
			}
			var err error
			assocQueues, err = queues(ctx, motoAssociateQueues)
			return err
		},
		Op: func(ctx context.Context, w, seq int) error {
			q := aws.String(assocQueues[w%motoAssociateQueues])
			key := fmt.Sprintf("worker-%02d", w)
			if seq%2 == 0 {
				_, err := c.TagQueue(ctx, &sqs.TagQueueInput{QueueUrl: q, Tags: map[string]string{key: "bench"}})
				return err
			}
			_, err := c.UntagQueue(ctx, &sqs.UntagQueueInput{QueueUrl: q, TagKeys: []string{key}})
			return err
		},
	}, {
		Name:       "list",
		Operations: fmt.Sprintf("ListQueues (%d queues), ListQueueTags alternately", motoListQueues),
		Prepare: func(ctx context.Context, workers int) error {
			if err := reset(ctx); err != nil {
				return err
			}
			var err error
			listQueues, err = queues(ctx, motoListQueues)
			return err
		},
		Op: func(ctx context.Context, w, seq int) error {
			if seq%2 == 0 {
				out, err := c.ListQueues(ctx, &sqs.ListQueuesInput{})
				if err == nil && len(out.QueueUrls) != motoListQueues {
					err = fmt.Errorf("ListQueues: %d queues, want %d", len(out.QueueUrls), motoListQueues)
				}
				return err
			}
			_, err := c.ListQueueTags(ctx, &sqs.ListQueueTagsInput{QueueUrl: aws.String(listQueues[(w+seq)%motoListQueues])})
			return err
		},
	}}
}
