package compat_test

// The AWS CLI, v1 and v2, one process per step: `aws billingconductor
// <kebab-case operation> --cli-input-json <params> --output json`. A CLI shows
// a service error as its exit status and one line on stderr, "An error
// occurred (Code) when calling the Operation operation: Message"; that (code,
// message, exit status) is what is checked, not Reason, Fields or the HTTP
// status, which the CLI does not show.

import (
	"bytes"
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"os"
	"os/exec"
	"path/filepath"
	"regexp"
	"strconv"
	"strings"
	"time"
	"unicode"
)

const cliCallTimeout = 60 * time.Second

type cliClient struct {
	bin      string
	major    int
	version  string   // "aws-cli/2.9.19"
	endpoint string   // the server
	env      []string // the process environment
	// envEndpoint: the CLI reads AWS_ENDPOINT_URL_BILLINGCONDUCTOR (v2 from
	// 2.13); otherwise --endpoint-url is passed.
	envEndpoint bool
}

// cliInstall is one AWS CLI found on this machine.
type cliInstall struct {
	bin       string
	major     int
	minor     int
	version   string // "aws-cli/1.45.11"
	botocore  string // "botocore/1.43.11" (v1 only; v2 bundles its own)
	versionLn string // the whole --version line, for the log
}

var cliVersionLine = regexp.MustCompile(`^aws-cli/([0-9]+)\.([0-9]+)\.([0-9]+)`)

// findCLIs returns the AWS CLIs on this machine by major version: every `aws`
// on PATH, then /usr/bin/aws and /usr/local/bin/aws (Debian's awscli package
// installs v2 as /usr/bin/aws, which a pip-installed v1 may shadow on PATH).
// $PROFORMA_COMPAT_AWS_V1 and $PROFORMA_COMPAT_AWS_V2 name one explicitly.
func findCLIs() map[int]cliInstall {
	var candidates []string
	for _, v := range []string{"PROFORMA_COMPAT_AWS_V1", "PROFORMA_COMPAT_AWS_V2"} {
		if p := os.Getenv(v); p != "" {
			candidates = append(candidates, p)
		}
	}
	for _, dir := range filepath.SplitList(os.Getenv("PATH")) {
		if dir != "" {
			candidates = append(candidates, filepath.Join(dir, "aws"))
		}
	}
	candidates = append(candidates, "/usr/bin/aws", "/usr/local/bin/aws")
	found := map[int]cliInstall{}
	seen := map[string]bool{}
	for _, c := range candidates {
		if seen[c] {
			continue
		}
		seen[c] = true
		if fi, err := os.Stat(c); err != nil || fi.IsDir() || fi.Mode()&0o111 == 0 {
			continue
		}
		inst, ok := probeCLI(c)
		if !ok {
			continue
		}
		if _, have := found[inst.major]; !have {
			found[inst.major] = inst
		}
	}
	return found
}

func probeCLI(bin string) (cliInstall, bool) {
	ctx, cancel := context.WithTimeout(context.Background(), 30*time.Second)
	defer cancel()
	cmd := exec.CommandContext(ctx, bin, "--version")
	cmd.Env = isolatedEnv(os.TempDir())
	out, err := cmd.CombinedOutput()
	if err != nil {
		return cliInstall{}, false
	}
	line := strings.TrimSpace(string(out))
	m := cliVersionLine.FindStringSubmatch(line)
	if m == nil {
		return cliInstall{}, false
	}
	major, _ := strconv.Atoi(m[1])
	minor, _ := strconv.Atoi(m[2])
	inst := cliInstall{bin: bin, major: major, minor: minor, version: m[0], versionLn: line}
	for _, f := range strings.Fields(line) {
		if strings.HasPrefix(f, "botocore/") {
			inst.botocore = f
		}
	}
	return inst, true
}

func (i cliInstall) describe() string {
	if i.botocore != "" {
		return i.version + " (" + i.botocore + ")"
	}
	return i.version
}

func newCLIClient(inst cliInstall, endpoint, home string) *cliClient {
	c := &cliClient{bin: inst.bin, major: inst.major, version: inst.version, endpoint: endpoint, env: isolatedEnv(home)}
	if inst.major > 2 || inst.major == 2 && inst.minor >= 13 {
		c.envEndpoint = true
		c.env = append(c.env, "AWS_ENDPOINT_URL_BILLINGCONDUCTOR="+endpoint)
	}
	return c
}

// kebab turns an operation name into its CLI command name.
func kebab(op string) string {
	var b strings.Builder
	for i, r := range op {
		if unicode.IsUpper(r) {
			if i > 0 {
				b.WriteByte('-')
			}
			r = unicode.ToLower(r)
		}
		b.WriteRune(r)
	}
	return b.String()
}

var cliErrorLine = regexp.MustCompile(`An error occurred \(([A-Za-z]+)\) when calling the ([A-Za-z]+) operation(?: \([^)]*\))?: (.*)`)

func (c *cliClient) call(ctx context.Context, op string, params map[string]any) (outcome, error) {
	input, err := json.Marshal(params)
	if err != nil {
		return outcome{}, err
	}
	args := []string{"billingconductor", kebab(op), "--cli-input-json", string(input), "--output", "json"}
	if !c.envEndpoint {
		args = append(args, "--endpoint-url", c.endpoint)
	}
	ctx, cancel := context.WithTimeout(ctx, cliCallTimeout)
	defer cancel()
	cmd := exec.CommandContext(ctx, c.bin, args...)
	cmd.Env = c.env
	cmd.WaitDelay = 5 * time.Second
	var stdout, stderr bytes.Buffer
	cmd.Stdout, cmd.Stderr = &stdout, &stderr
	err = cmd.Run()
	if ctx.Err() != nil {
		return outcome{}, fmt.Errorf("%s did not finish within %s", kebab(op), cliCallTimeout)
	}
	if err == nil {
		out, err := decodeJSON(stdout.Bytes())
		if err != nil {
			return outcome{}, fmt.Errorf("output is not JSON (%v): %q", err, stdout.String())
		}
		return outcome{output: out}, nil
	}
	var exit *exec.ExitError
	if !errors.As(err, &exit) {
		return outcome{}, err
	}
	errText := strings.TrimSpace(stderr.String())
	if strings.Contains(errText, "Invalid choice") {
		return outcome{notInClient: true}, nil
	}
	m := cliErrorLine.FindStringSubmatch(errText)
	if m == nil {
		return outcome{}, fmt.Errorf("exit status %d without a service error: %s", exit.ExitCode(), oneLine(errText))
	}
	ce := &callError{code: m[1], message: m[3]}
	if m[2] != op {
		ce.problems = append(ce.problems, fmt.Sprintf("error names operation %s", m[2]))
	}
	// The CLI's exit status for a service error: 254 (v2), 255 (v1).
	want := map[int]int{1: 255, 2: 254}[c.major]
	if want != 0 && exit.ExitCode() != want {
		ce.problems = append(ce.problems, fmt.Sprintf("exit status %d, want %d", exit.ExitCode(), want))
	}
	return outcome{apiErr: ce}, nil
}

func oneLine(s string) string {
	s = strings.Join(strings.Fields(s), " ")
	if len(s) > 400 {
		s = s[:400] + "..."
	}
	return s
}
