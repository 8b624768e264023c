//go:build unix

package main

import (
	"context"
	"fmt"
	"net"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"syscall"
	"testing"
	"time"
)

// TestReadmeFirstHour runs the README's "Your first hour" commands as
// written — build, import a sample CUR, serve, create a rule, a plan and a
// billing group with the AWS CLI, report — with only the places they write
// to (the binary, the data directory, the port) moved into a temporary
// directory, and checks the margin table they end with.
func TestReadmeFirstHour(t *testing.T) {
	for _, tool := range []string{"bash", "curl", "aws"} {
		if _, err := exec.LookPath(tool); err != nil {
			t.Skipf("%s not installed: skipping the README's first hour (it uses the AWS CLI and curl)", tool)
		}
	}
	samples, err := filepath.Abs(filepath.Dir(curSample(t, "Nov2018-WorkshopCUR-00001.snappy.parquet")))
	if err != nil {
		t.Fatal(err)
	}
	readme, err := os.ReadFile("../../README.md")
	if err != nil {
		t.Fatal(err)
	}
	script, err := firstHourScript(string(readme))
	if err != nil {
		t.Fatal(err)
	}
	dir := t.TempDir()
	addr := freeAddr(t)
	script = strings.NewReplacer(
		"./proforma serve", filepath.Join(dir, "proforma")+" serve --addr "+addr,
		"-o proforma", "-o "+filepath.Join(dir, "proforma"),
		"./proforma", filepath.Join(dir, "proforma"),
		"./first-hour", filepath.Join(dir, "first-hour"),
		"../shared/data/cur", samples,
		"127.0.0.1:4599", addr,
	).Replace(script)

	ctx, cancel := context.WithTimeout(context.Background(), 5*time.Minute)
	defer cancel()
	cmd := exec.CommandContext(ctx, "bash", "-e", "-c", script)
	cmd.Dir = "../.."
	cmd.Env = append(os.Environ(), "AWS_CONFIG_FILE=/dev/null", "AWS_SHARED_CREDENTIALS_FILE=/dev/null", "AWS_PAGER=")
	// The server the script starts goes with it: it is in the script's
	// process group, killed when the script ends (a failing step leaves it
	// running, holding the output pipe, which WaitDelay then closes).
	cmd.SysProcAttr = &syscall.SysProcAttr{Setpgid: true}
	cmd.Cancel = func() error { return syscall.Kill(-cmd.Process.Pid, syscall.SIGKILL) }
	cmd.WaitDelay = 5 * time.Second
	defer func() {
		if cmd.Process != nil {
			syscall.Kill(-cmd.Process.Pid, syscall.SIGKILL)
		}
	}()
	out, err := cmd.CombinedOutput()
	if err != nil {
		t.Fatalf("the README's first hour failed: %v\n%s", err, out)
	}
	for _, want := range []string{"Pro forma margins of payer 836060457634, billing period 2018-11",
		"customer-a", "Amazon Elastic Compute Cloud"} {
		if !strings.Contains(string(out), want) {
			t.Errorf("output lacks %q:\n%s", want, out)
		}
	}
	if !strings.Contains(string(out), "customer-a     (all)") || strings.Contains(string(out), "customer-a     (all)                                   0.00") {
		t.Errorf("no margin table with costs for customer-a:\n%s", out)
	}
}

// firstHourScript is the shell block of the README's "Your first hour".
func firstHourScript(readme string) (string, error) { return readmeBlock(readme, "## Your first hour") }

// readmeBlock is the first sh block of the README section whose heading
// starts with heading.
func readmeBlock(readme, heading string) (string, error) {
	_, section, ok := strings.Cut(readme, heading)
	if !ok {
		return "", fmt.Errorf("README has no %q section", heading)
	}
	_, block, ok := strings.Cut(section, "```sh\n")
	if !ok {
		return "", fmt.Errorf("the %q section has no sh block", heading)
	}
	block, _, ok = strings.Cut(block, "```")
	if !ok {
		return "", fmt.Errorf("the sh block of %q is not closed", heading)
	}
	return block, nil
}

// TestReadmeCloudControl runs the README's Cloud Control and STS commands
// as written against a server, as the demo payer, with only the port
// moved, and checks what they print.
func TestReadmeCloudControl(t *testing.T) {
	for _, tool := range []string{"bash", "aws"} {
		if _, err := exec.LookPath(tool); err != nil {
			t.Skipf("%s not installed: skipping the README's Cloud Control commands (they use the AWS CLI)", tool)
		}
	}
	readme, err := os.ReadFile("../../README.md")
	if err != nil {
		t.Fatal(err)
	}
	script, err := readmeBlock(string(readme), "## Infrastructure as code")
	if err != nil {
		t.Fatal(err)
	}
	p := startProforma(t, t.TempDir())
	script = strings.ReplaceAll(script, "http://127.0.0.1:4599", p.URL)
	ctx, cancel := context.WithTimeout(context.Background(), 2*time.Minute)
	defer cancel()
	cmd := exec.CommandContext(ctx, "bash", "-e", "-c", script)
	cmd.Env = append(os.Environ(), "AWS_CONFIG_FILE=/dev/null", "AWS_SHARED_CREDENTIALS_FILE=/dev/null", "AWS_PAGER=",
		"AWS_ACCESS_KEY_ID=123456789012", "AWS_SECRET_ACCESS_KEY=anything", "AWS_DEFAULT_REGION=us-east-1")
	out, err := cmd.CombinedOutput()
	if err != nil {
		t.Fatalf("the README's Cloud Control commands failed: %v\n%s", err, out)
	}
	for _, want := range []string{`"OperationStatus": "SUCCESS"`, `\"Description\":\"retail\"`, `"Operation": "DELETE"`,
		`"Account": "123456789012"`} {
		if !strings.Contains(string(out), want) {
			t.Errorf("output lacks %s:\n%s", want, out)
		}
	}
}

// freeAddr is a loopback address with a port free a moment ago.
func freeAddr(t *testing.T) string {
	t.Helper()
	l, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	defer l.Close()
	return l.Addr().String()
}
