package compat_test

// The AWS CLI, v1 and v2: every step is `aws <service> <kebab-case
// operation> --cli-input-json <params> --output json` (the service:
// billingconductor, cloudcontrol or sts). When the `aws` program
// is a Python script (pip's v1, Debian's v2), the commands run through its own
// entry point in one Python process (cli_driver.py), which saves starting
// Python for each step; otherwise, or with PROFORMA_COMPAT_CLI_EXEC=1, `aws`
// is started for each step. A CLI shows a service error as its exit status
// and one line on stderr, "An error occurred (Code) when calling the
// Operation operation: Message"; that (code, message, exit status) is what is
// checked, not Reason, Fields or the HTTP status, which the CLI does not show.

import (
	"bufio"
	"bytes"
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"os"
	"os/exec"
	"path/filepath"
	"regexp"
	"strconv"
	"strings"
	"sync"
	"time"
	"unicode"

	"github.com/proforma-dev/proforma/internal/harness"
)

const cliCallTimeout = 60 * time.Second

type cliClient struct {
	driver   *cliDriver // nil: start bin for each step
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
	python    string // the interpreter of the aws script; empty if aws is not a Python script
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
		inst, ok := probeCLI(resolveShim(c))
		if !ok {
			continue
		}
		if _, have := found[inst.major]; !have {
			found[inst.major] = inst
		}
	}
	return found
}

// resolveShim returns the program a pyenv shim would run: a shim costs a
// shell and a pyenv start on each of the scenario's CLI calls.
func resolveShim(bin string) string {
	b, err := os.ReadFile(bin)
	if err != nil || len(b) > 4096 || !bytes.HasPrefix(b, []byte("#!")) || !bytes.Contains(b, []byte("pyenv")) {
		return bin
	}
	pyenv, err := exec.LookPath("pyenv")
	if err != nil {
		return bin
	}
	ctx, cancel := context.WithTimeout(context.Background(), 30*time.Second)
	defer cancel()
	cmd := exec.CommandContext(ctx, pyenv, "which", filepath.Base(bin))
	cmd.Dir = os.TempDir()
	out, err := cmd.Output()
	if err != nil {
		return bin
	}
	if real := strings.TrimSpace(string(out)); filepath.IsAbs(real) {
		if _, err := os.Stat(real); err == nil {
			return real
		}
	}
	return bin
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
	inst := cliInstall{bin: bin, major: major, minor: minor, version: m[0], versionLn: line, python: scriptPython(bin)}
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

// scriptPython returns the interpreter named by the #! line of a Python
// script, or "".
func scriptPython(bin string) string {
	f, err := os.Open(bin)
	if err != nil {
		return ""
	}
	defer f.Close()
	line, err := bufio.NewReader(io.LimitReader(f, 512)).ReadString('\n')
	if err != nil || !strings.HasPrefix(line, "#!") {
		return ""
	}
	fields := strings.Fields(line[2:])
	if len(fields) == 0 {
		return ""
	}
	prog := fields[0]
	if filepath.Base(prog) == "env" && len(fields) > 1 {
		if prog, err = exec.LookPath(fields[1]); err != nil {
			return ""
		}
	}
	if !strings.HasPrefix(filepath.Base(prog), "python") {
		return ""
	}
	return prog
}

func endpointFromEnv(inst cliInstall) bool {
	return inst.major > 2 || inst.major == 2 && inst.minor >= 13
}

// newCLIClient prepares the CLI against endpoint; home holds its (absent)
// configuration files. close must be called.
func newCLIClient(inst cliInstall, endpoint, home string) (*cliClient, error) {
	c := &cliClient{bin: inst.bin, major: inst.major, version: inst.version, endpoint: endpoint, env: isolatedEnv(home)}
	if endpointFromEnv(inst) {
		c.envEndpoint = true
		c.env = append(c.env, "AWS_ENDPOINT_URL_BILLINGCONDUCTOR="+endpoint,
			"AWS_ENDPOINT_URL_CLOUDCONTROL="+endpoint, "AWS_ENDPOINT_URL_STS="+endpoint)
	}
	if inst.python != "" && os.Getenv("PROFORMA_COMPAT_CLI_EXEC") == "" {
		d, err := startCLIDriver(inst.python, c.env)
		if err != nil {
			return nil, err
		}
		c.driver = d
	}
	return c, nil
}

func (c *cliClient) close() {
	if c.driver != nil {
		c.driver.close()
	}
}

// cliDriver is a running cli_driver.py.
type cliDriver struct {
	mu     sync.Mutex
	cmd    *exec.Cmd
	in     io.WriteCloser
	out    *bufio.Reader
	stderr *harness.LockedBuffer
	dead   error
}

func startCLIDriver(python string, env []string) (*cliDriver, error) {
	script, err := filepath.Abs("cli_driver.py")
	if err != nil {
		return nil, err
	}
	d := &cliDriver{cmd: exec.Command(python, script), stderr: &harness.LockedBuffer{}}
	d.cmd.Env = env
	d.cmd.Stderr = d.stderr
	d.cmd.WaitDelay = 5 * time.Second
	if d.in, err = d.cmd.StdinPipe(); err != nil {
		return nil, err
	}
	stdout, err := d.cmd.StdoutPipe()
	if err != nil {
		return nil, err
	}
	d.out = bufio.NewReaderSize(stdout, 1<<20)
	if err := d.cmd.Start(); err != nil {
		return nil, err
	}
	return d, nil
}

type cliRun struct {
	rc             int
	stdout, stderr string
}

func (d *cliDriver) run(ctx context.Context, args []string) (cliRun, error) {
	d.mu.Lock()
	defer d.mu.Unlock()
	if d.dead != nil {
		return cliRun{}, d.dead
	}
	req, _ := json.Marshal(map[string]any{"args": args})
	type reply struct {
		run cliRun
		err error
	}
	done := make(chan reply, 1)
	go func() {
		if _, err := d.in.Write(append(req, '\n')); err != nil {
			done <- reply{err: err}
			return
		}
		line, err := d.out.ReadBytes('\n')
		if err != nil {
			done <- reply{err: fmt.Errorf("cli_driver.py: %v; stderr: %s", err, oneLine(d.stderr.String()))}
			return
		}
		var r struct {
			RC             int
			Stdout, Stderr string
		}
		err = json.Unmarshal(line, &r)
		done <- reply{run: cliRun{rc: r.RC, stdout: r.Stdout, stderr: r.Stderr}, err: err}
	}()
	select {
	case r := <-done:
		if r.err != nil {
			d.dead = r.err
		}
		return r.run, r.err
	case <-ctx.Done():
		d.dead = fmt.Errorf("cli_driver.py stopped after a command did not finish within %s", cliCallTimeout)
		d.cmd.Process.Kill()
		return cliRun{}, d.dead
	}
}

func (d *cliDriver) close() {
	d.in.Close()
	exited := make(chan struct{})
	go func() {
		d.cmd.Wait()
		close(exited)
	}()
	select {
	case <-exited:
	case <-time.After(10 * time.Second):
		d.cmd.Process.Kill()
		<-exited
	}
}

// exec runs `aws args...` as its own process.
func (c *cliClient) exec(ctx context.Context, args []string) (cliRun, error) {
	cmd := exec.CommandContext(ctx, c.bin, args...)
	cmd.Env = c.env
	cmd.WaitDelay = 5 * time.Second
	var stdout, stderr bytes.Buffer
	cmd.Stdout, cmd.Stderr = &stdout, &stderr
	err := cmd.Run()
	if ctx.Err() != nil {
		return cliRun{}, fmt.Errorf("aws did not finish within %s", cliCallTimeout)
	}
	var exit *exec.ExitError
	if err != nil && !errors.As(err, &exit) {
		return cliRun{}, err
	}
	return cliRun{rc: cmd.ProcessState.ExitCode(), stdout: stdout.String(), stderr: stderr.String()}, nil
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

func (c *cliClient) call(ctx context.Context, service, op string, params map[string]any) (outcome, error) {
	input, err := json.Marshal(params)
	if err != nil {
		return outcome{}, err
	}
	args := []string{service, kebab(op), "--cli-input-json", string(input), "--output", "json"}
	if !c.envEndpoint {
		args = append(args, "--endpoint-url", c.endpoint)
	}
	ctx, cancel := context.WithTimeout(ctx, cliCallTimeout)
	defer cancel()
	var r cliRun
	if c.driver != nil {
		r, err = c.driver.run(ctx, args)
	} else {
		r, err = c.exec(ctx, args)
	}
	if err != nil {
		return outcome{}, err
	}
	if r.rc == 0 {
		out, err := decodeJSON([]byte(r.stdout))
		if err != nil {
			return outcome{}, fmt.Errorf("output is not JSON (%v): %q", err, r.stdout)
		}
		return outcome{output: out}, nil
	}
	errText := strings.TrimSpace(r.stderr)
	if strings.Contains(errText, "Invalid choice") {
		return outcome{notInClient: true}, nil
	}
	m := cliErrorLine.FindStringSubmatch(errText)
	if m == nil {
		return outcome{}, fmt.Errorf("exit status %d without a service error: %s", r.rc, oneLine(errText))
	}
	ce := &callError{code: m[1], message: m[3]}
	if m[2] != op {
		ce.problems = append(ce.problems, fmt.Sprintf("error names operation %s", m[2]))
	}
	// The CLI's exit status for a service error: 254 (v2), 255 (v1).
	want := map[int]int{1: 255, 2: 254}[c.major]
	if want != 0 && r.rc != want {
		ce.problems = append(ce.problems, fmt.Sprintf("exit status %d, want %d", r.rc, want))
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
