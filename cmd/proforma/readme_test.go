//go:build unix

package main

import (
	"context"
	"encoding/json"
	"fmt"
	"net"
	"net/http"
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
		"-o proforma", "-o "+filepath.Join(dir, "proforma"),
		"./proforma", filepath.Join(dir, "proforma"),
		"./first-hour", filepath.Join(dir, "first-hour"),
		"../shared/data/cur", samples,
		"127.0.0.1:4600", addr,
	).Replace(script)
	if !strings.Contains(script, "--addr "+addr) {
		t.Fatalf("the first hour's server does not listen where its calls go:\n%s", script)
	}

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
func readmeBlock(readme, heading string) (string, error) { return readmeCode(readme, heading, "sh") }

// readmeCode is the first code block in language lang of the README
// section whose heading starts with heading.
func readmeCode(readme, heading, lang string) (string, error) {
	_, section, ok := strings.Cut(readme, heading)
	if !ok {
		return "", fmt.Errorf("README has no %q section", heading)
	}
	_, block, ok := strings.Cut(section, "```"+lang+"\n")
	if !ok {
		return "", fmt.Errorf("the %q section has no %s block", heading, lang)
	}
	block, _, ok = strings.Cut(block, "```")
	if !ok {
		return "", fmt.Errorf("the %s block of %q is not closed", lang, heading)
	}
	return block, nil
}

// TestReadmeCloudControl runs the README's opening CLI commands, then
// its Cloud Control and STS commands, in one shell against one server —
// as a reader goes down the README — with only the port moved, and checks
// what they print.
func TestReadmeCloudControl(t *testing.T) {
	p := startProforma(t, t.TempDir())
	out := runReadmeSection(t, p.URL, "## Infrastructure as code", "")
	for _, want := range []string{`"OperationStatus": "SUCCESS"`, `\"Description\":\"retail\"`, `"Operation": "DELETE"`,
		`"Account": "123456789012"`} {
		if !strings.Contains(out, want) {
			t.Errorf("output lacks %s:\n%s", want, out)
		}
	}
}

// TestReadmeWhatIf runs the README's opening CLI commands, then its
// what-if commands, in one shell against one server whose demo payer has
// imported usage, with only the port moved: the scenario's comparison
// shows the 12 % markup on team-b's usage, its change list the two calls,
// and live keeps no rule.
func TestReadmeWhatIf(t *testing.T) {
	p := startProforma(t, t.TempDir(), "--now", "2026-10-15")
	cur := strings.ReplaceAll(engineCUR, "100000000001", "100000000003") // team-b's account
	if status, body := uploadString(t, p.URL, "october.csv", cur, true); status != http.StatusOK {
		t.Fatalf("import: %d %s", status, body)
	}
	out := runReadmeSection(t, p.URL, "## What-if", "\ncat changes.json\n")
	for _, want := range []string{`"PricingRules": []`, `"Operation":"CreatePricingRule"`, `"Operation":"AssociatePricingRules"`} {
		if !strings.Contains(out, want) {
			t.Errorf("output lacks %s:\n%s", want, out)
		}
	}
	// The comparison: EC2 0.104 and S3 2.3 at public prices live (a plan
	// with no rules), 12 % more in the scenario; tax and credits left out.
	i := strings.Index(out, `{"BillingPeriod"`)
	if i < 0 {
		t.Fatalf("no comparison in the output:\n%s", out)
	}
	var cmp struct {
		BillingGroups []struct {
			Name           string
			Live, Scenario struct{ ProformaCost string }
		}
	}
	if err := json.NewDecoder(strings.NewReader(out[i:])).Decode(&cmp); err != nil {
		t.Fatalf("the comparison: %v\n%s", err, out[i:])
	}
	for _, g := range cmp.BillingGroups {
		if g.Name == "team-b" && (g.Live.ProformaCost != "2.404" || g.Scenario.ProformaCost != "2.69248") {
			t.Errorf("team-b: live %s, scenario %s; want 2.404 and 2.69248", g.Live.ProformaCost, g.Scenario.ProformaCost)
		}
	}
	if !strings.Contains(out[i:], `"Name":"team-b"`) {
		t.Errorf("team-b is not compared:\n%s", out[i:])
	}
}

// runReadmeSection runs, in one bash against the server at url, the
// README's opening CLI block (the one that exports
// AWS_ENDPOINT_URL_BILLINGCONDUCTOR) and then the first sh block of the
// section heading, followed by extra; it fails the test unless they
// succeed, and returns their output.
func runReadmeSection(t *testing.T, url, heading, extra string) string {
	t.Helper()
	for _, tool := range []string{"bash", "aws", "curl"} {
		if _, err := exec.LookPath(tool); err != nil {
			t.Skipf("%s not installed: skipping the README's commands (they use the AWS CLI and curl)", tool)
		}
	}
	readme, err := os.ReadFile("../../README.md")
	if err != nil {
		t.Fatal(err)
	}
	intro, err := readmeCode(string(readme), "Then point any AWS client at it", "sh")
	if err != nil {
		t.Fatal(err)
	}
	section, err := readmeBlock(string(readme), heading)
	if err != nil {
		t.Fatal(err)
	}
	script := strings.ReplaceAll(intro+section, "http://127.0.0.1:4599", url) + extra
	ctx, cancel := context.WithTimeout(context.Background(), 2*time.Minute)
	defer cancel()
	cmd := exec.CommandContext(ctx, "bash", "-e", "-c", script)
	cmd.Dir = t.TempDir()
	cmd.Env = append(os.Environ(), "AWS_CONFIG_FILE=/dev/null", "AWS_SHARED_CREDENTIALS_FILE=/dev/null", "AWS_PAGER=")
	out, err := cmd.CombinedOutput()
	if err != nil {
		t.Fatalf("the README's commands failed: %v\n%s", err, out)
	}
	return string(out)
}

// TestReadmeTerraform applies the README's Terraform configuration with
// OpenTofu (or Terraform) and the awscc provider against a server, with
// only the endpoint moved: the apply must succeed, a plan right after must
// show no changes (every read equals the configuration), and a destroy must
// remove all four resources.
// Neither tool is in any registry CI reaches, so it runs only when
// PROFORMA_TOFU names the binary and PROFORMA_AWSCC_PROVIDER_DIR a folder
// with a terraform-provider-awscc build, used through dev_overrides.
func TestReadmeTerraform(t *testing.T) {
	tofu, providers := os.Getenv("PROFORMA_TOFU"), os.Getenv("PROFORMA_AWSCC_PROVIDER_DIR")
	if tofu == "" || providers == "" {
		t.Skip("set PROFORMA_TOFU (a tofu or terraform binary) and PROFORMA_AWSCC_PROVIDER_DIR (a folder with terraform-provider-awscc) to apply the README's Terraform example")
	}
	readme, err := os.ReadFile("../../README.md")
	if err != nil {
		t.Fatal(err)
	}
	config, err := readmeCode(string(readme), "## Infrastructure as code", "hcl")
	if err != nil {
		t.Fatal(err)
	}
	p := startProforma(t, t.TempDir())
	dir := t.TempDir()
	writeFile(t, filepath.Join(dir, "main.tf"), strings.ReplaceAll(config, "http://127.0.0.1:4599", p.URL))
	writeFile(t, filepath.Join(dir, "tofurc"), fmt.Sprintf(
		"provider_installation {\n  dev_overrides {\n    \"hashicorp/awscc\" = %q\n  }\n  direct {}\n}\n", providers))

	run := func(args ...string) (string, error) {
		ctx, cancel := context.WithTimeout(context.Background(), 3*time.Minute)
		defer cancel()
		cmd := exec.CommandContext(ctx, tofu, append(args, "-no-color")...)
		cmd.Dir = dir
		cmd.Env = append(os.Environ(), "TF_CLI_CONFIG_FILE="+filepath.Join(dir, "tofurc"), "TF_IN_AUTOMATION=1",
			"AWS_CONFIG_FILE=/dev/null", "AWS_SHARED_CREDENTIALS_FILE=/dev/null")
		out, err := cmd.CombinedOutput()
		return string(out), err
	}
	if out, err := run("apply", "-auto-approve"); err != nil || !strings.Contains(out, "4 added") {
		t.Fatalf("apply: %v\n%s", err, out)
	}
	// -detailed-exitcode: 0 is no changes, 2 is a diff (drift).
	if out, err := run("plan", "-detailed-exitcode"); err != nil {
		t.Fatalf("a plan right after the apply is not empty: %v\n%s", err, out)
	}
	if out, err := run("destroy", "-auto-approve"); err != nil || !strings.Contains(out, "4 destroyed") {
		t.Fatalf("destroy: %v\n%s", err, out)
	}
}

// writeFile writes text to path or fails the test.
func writeFile(t *testing.T, path, text string) {
	t.Helper()
	if err := os.WriteFile(path, []byte(text), 0o644); err != nil {
		t.Fatal(err)
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
