// Package compat_test drives every operation of the service model through
// each real AWS client available on the machine against the real proforma
// binary, and renders the operations × clients matrix in
// docs/compatibility.md.
//
//	go test ./compat             # run; compare docs/compatibility.md when all five clients ran
//	go test ./compat -update     # run and rewrite docs/compatibility.md (needs all five clients)
//
// Clients: the AWS SDK for Go v2 (in process), boto3 (python3), the AWS CLI
// v1 and v2, the AWS SDK for JavaScript v3 (node, after `npm ci` in
// compat/js). A client whose prerequisites are missing is skipped with the
// reason; with PROFORMA_COMPAT_REQUIRE_ALL=1 (CI) that is a failure instead.
package compat_test

import (
	"bufio"
	"bytes"
	"cmp"
	"context"
	"encoding/json"
	"flag"
	"fmt"
	"io"
	"net/http"
	"os"
	"os/exec"
	"path/filepath"
	"regexp"
	"slices"
	"strings"
	"sync"
	"syscall"
	"testing"
	"time"

	"github.com/proforma-dev/proforma/internal/harness"
)

var update = flag.Bool("update", false, "rewrite docs/compatibility.md from this run")

const (
	docPath       = "../docs/compatibility.md"
	scenarioPath  = "scenario.json"
	orgPath       = "org.yaml"
	modelPath     = "../internal/model/billingconductor.json"
	pinnedNow     = "2026-11-15T12:00:00Z"
	region        = "us-east-1"
	callerKey     = "123456789012" // permissive auth: the access key ID is the caller's account
	callerSecret  = "compat-secret"
	maxConcurrent = 2 // clients running at once, each with its own server
	runnerTimeout = 5 * time.Minute
	readyTimeout  = 20 * time.Second
	// unmodeledLog is what the server logs when it answers an error its model
	// does not list for the operation (internal/restjson.UnmodeledErrorMessage).
	unmodeledLog = "error not modeled for the operation"
)

// otherOperations are the operations of the services Proforma serves on the
// same endpoint beside billingconductor, which the scenario also drives: every
// operation of the Cloud Control API, and STS GetCallerIdentity. Each needs at
// least one step (success or error); an operation name is unique across the
// services, so the results are keyed by it.
var otherOperations = map[string][]string{
	"cloudcontrol": {"CancelResourceRequest", "CreateResource", "DeleteResource", "GetResource",
		"GetResourceRequestStatus", "ListResourceRequests", "ListResources", "UpdateResource"},
	"sts": {"GetCallerIdentity"},
}

// otherServices is the order of otherOperations' services in the document.
var otherServices = []string{"cloudcontrol", "sts"}

// operation is a row of the matrix.
type operation struct {
	service, name string
}

func (o operation) label() string {
	if o.service == defaultService {
		return o.name
	}
	return o.name + " (" + o.service + ")"
}

// clientSpec is one column of the matrix, in this order.
type clientSpec struct {
	id     string // subtest name
	title  string // column header
	errors string // how its errors are checked, for the doc
	// prepare finds the client; skip is the reason it cannot run here.
	prepare func(t *testing.T) (r runner, skip string)
}

// runner runs the scenario against one endpoint.
type runner struct {
	version  string
	endpoint string // how the endpoint is given to the client, for the doc
	run      func(ctx context.Context, t *testing.T, url string, sc *scenario) (report, error)
}

var clientSpecs = []clientSpec{
	{id: "go", title: "AWS SDK for Go v2",
		errors:  "`errors.As` into the modeled type (`*types.ValidationException`, ...): code, HTTP status (`*awshttp.ResponseError`), `Reason`, `Fields`, message",
		prepare: prepareGo},
	{id: "boto3", title: "boto3",
		errors:  "`ClientError` raised as `client.exceptions.<Code>`: `Error.Code`, `ResponseMetadata.HTTPStatusCode`, `Reason`, `Fields`, message",
		prepare: prepareBoto3},
	{id: "cli-v1", title: "AWS CLI v1",
		errors:  "exit status 255 and `An error occurred (Code) when calling the Op operation: Message` on stderr: code and message only (the CLI shows neither `Reason`, `Fields` nor the status)",
		prepare: func(t *testing.T) (runner, string) { return prepareCLI(t, 1) }},
	{id: "cli-v2", title: "AWS CLI v2",
		errors:  "exit status 254 and `An error occurred (Code) when calling the Op operation: Message` on stderr: code and message only",
		prepare: func(t *testing.T) (runner, string) { return prepareCLI(t, 2) }},
	{id: "js", title: "AWS SDK for JavaScript v3",
		errors:  "thrown as the modeled exception class: `err.name`, `err.$metadata.httpStatusCode`, `err.Reason`, `err.Fields`, message",
		prepare: prepareJS},
	{id: "wire", title: "wire reference (no SDK)",
		errors:  "`X-Amzn-ErrorType`, HTTP status, `Reason`, `Fields`, `Message` of the response body",
		prepare: prepareWire},
}

func TestCompatibility(t *testing.T) {
	sc, err := loadScenario(scenarioPath)
	if err != nil {
		t.Fatal(err)
	}
	ops, err := modelOperations()
	if err != nil {
		t.Fatal(err)
	}
	checkCoverage(t, sc, ops)
	if t.Failed() {
		return
	}
	bin := buildProforma(t)
	org, err := filepath.Abs(orgPath)
	if err != nil {
		t.Fatal(err)
	}

	type column struct {
		spec    clientSpec
		runner  runner
		skip    string
		report  report
		err     error
		elapsed time.Duration
	}
	cols := make([]*column, len(clientSpecs))
	for i, spec := range clientSpecs {
		r, skip := spec.prepare(t)
		cols[i] = &column{spec: spec, runner: r, skip: skip}
		if skip != "" {
			if os.Getenv("PROFORMA_COMPAT_REQUIRE_ALL") != "" {
				t.Errorf("%s: %s (PROFORMA_COMPAT_REQUIRE_ALL is set)", spec.title, skip)
			} else {
				t.Logf("SKIP %s: %s", spec.title, skip)
			}
		}
	}

	if *update {
		for _, col := range cols {
			if col.skip != "" {
				t.Fatalf("-update needs every client; %s cannot run: %s", col.spec.title, col.skip)
			}
		}
	}

	// The CLIs first (they take longest), at most maxConcurrent clients at
	// once, each against its own fresh server.
	order := slices.Clone(cols)
	slices.SortStableFunc(order, func(a, b *column) int {
		return cmp.Compare(cliFirst(a.spec), cliFirst(b.spec))
	})
	sem := make(chan struct{}, maxConcurrent)
	var wg sync.WaitGroup
	start := time.Now()
	for _, col := range order {
		if col.skip != "" {
			continue
		}
		wg.Add(1)
		go func() {
			defer wg.Done()
			sem <- struct{}{}
			defer func() { <-sem }()
			began := time.Now()
			col.report, col.err = runClient(t, bin, org, col.spec, col.runner, sc)
			col.elapsed = time.Since(began)
		}()
	}
	wg.Wait()
	t.Logf("all clients done in %s", time.Since(start).Round(time.Millisecond))

	var ran []string
	allRan := true
	for _, col := range cols {
		switch {
		case col.skip != "":
			allRan = false
		case col.err != nil:
			allRan = false
			t.Errorf("%s: %v", col.spec.title, col.err)
		default:
			ran = append(ran, col.spec.title)
			t.Logf("%s (%s): %s", col.spec.title, col.report.Version, col.elapsed.Round(time.Millisecond))
			for _, op := range ops {
				res := col.report.Results[op.name]
				bothKinds := op.service == defaultService
				if res.Success == fail || res.Error == fail || res.Success == "" && res.Error == "" ||
					bothKinds && (res.Success == "" || res.Error == "") {
					t.Errorf("%s %s: success %q, error %q: %s", col.spec.title, op.label(), res.Success, res.Error, res.Detail)
				}
			}
		}
	}

	var m matrix
	for _, col := range cols {
		c := matrixColumn{title: col.spec.title, errors: col.spec.errors, version: col.runner.version, endpoint: col.runner.endpoint}
		if col.skip != "" || col.err != nil {
			c.skipped = true
		} else {
			c.results = col.report.Results
		}
		m.columns = append(m.columns, c)
	}
	doc := renderDoc(sc, ops, m)

	switch {
	case *update && !allRan:
		t.Fatalf("-update needs every client; only %q ran (see the errors above)", ran)
	case *update:
		if err := os.WriteFile(docPath, []byte(doc), 0o644); err != nil {
			t.Fatal(err)
		}
		t.Logf("wrote %s", docPath)
	case !allRan:
		t.Logf("not all clients ran (%q): %s is not compared", ran, docPath)
	default:
		old, err := os.ReadFile(docPath)
		if err != nil || string(old) != doc {
			t.Errorf("%s is not current (run go test ./compat -update); this run renders:\n%s", docPath, doc)
		}
	}
}

func cliFirst(s clientSpec) int {
	if strings.HasPrefix(s.id, "cli-") {
		return 0
	}
	return 1
}

// runClient starts a fresh server, runs one client's scenario against it and
// stops the server.
func runClient(t *testing.T, bin, org string, spec clientSpec, r runner, sc *scenario) (report, error) {
	srv, err := startServer(t, bin, org)
	if err != nil {
		return report{}, err
	}
	defer srv.stop()
	ctx, cancel := context.WithTimeout(context.Background(), runnerTimeout)
	defer cancel()
	rep, err := r.run(ctx, t, srv.url, sc)
	if err != nil {
		return report{}, err
	}
	srv.stop()
	if strings.Contains(srv.output.String(), unmodeledLog) {
		t.Errorf("%s: the server answered errors its model does not list:\n%s", spec.title, srv.output.String())
	}
	return rep, nil
}

// --- the clients ---

func prepareGo(t *testing.T) (runner, string) {
	return runner{
		version:  goSDKModule + " " + goSDKVersion(goSDKModule) + " (cloudcontrol " + goSDKVersion(goCCModule) + ", sts " + goSDKVersion(goSTSModule) + ")",
		endpoint: "`BaseEndpoint`",
		run: func(ctx context.Context, t *testing.T, url string, sc *scenario) (report, error) {
			res := runScenario(ctx, sc, newGoClient(url), func(f string, a ...any) { t.Logf("go: "+f, a...) })
			return report{Client: "AWS SDK for Go v2", Version: goSDKVersion(goSDKModule), Results: res}, nil
		},
	}, ""
}

func prepareWire(t *testing.T) (runner, string) {
	return runner{
		version:  "requests built from internal/model/billingconductor.json (Cloud Control: awsJson1.0, STS: awsQuery), SigV4-signed",
		endpoint: "request URL",
		run: func(ctx context.Context, t *testing.T, url string, sc *scenario) (report, error) {
			w, err := newWireClient(url)
			if err != nil {
				return report{}, err
			}
			res := runScenario(ctx, sc, w, func(f string, a ...any) { t.Logf("wire: "+f, a...) })
			return report{Client: "wire reference", Version: "model", Results: res}, nil
		},
	}, ""
}

func prepareBoto3(t *testing.T) (runner, string) {
	python, err := exec.LookPath("python3")
	if err != nil {
		return runner{}, "python3 is not on PATH"
	}
	out, err := exec.Command(python, "-c", "import boto3, botocore; print('boto3 %s (botocore %s)' % (boto3.__version__, botocore.__version__))").CombinedOutput()
	if err != nil {
		return runner{}, fmt.Sprintf("python3 cannot import boto3 (pip install boto3): %s", bytes.TrimSpace(out))
	}
	script, scenarioFile, home := mustAbs(t, "boto3_runner.py"), mustAbs(t, scenarioPath), t.TempDir()
	return runner{
		version:  strings.TrimSpace(string(out)),
		endpoint: "`endpoint_url`",
		run: func(ctx context.Context, t *testing.T, url string, sc *scenario) (report, error) {
			return runExternal(ctx, t, "boto3", exec.CommandContext(ctx, python, script, url, scenarioFile), home)
		},
	}, ""
}

func prepareCLI(t *testing.T, major int) (runner, string) {
	inst, ok := findCLIs()[major]
	if !ok {
		if major == 2 {
			return runner{}, "no AWS CLI v2 found (apt-get install awscli installs it as /usr/bin/aws; or set PROFORMA_COMPAT_AWS_V2)"
		}
		return runner{}, "no AWS CLI v1 found (pip install awscli; or set PROFORMA_COMPAT_AWS_V1)"
	}
	t.Logf("AWS CLI v%d: %s (%s)", major, inst.bin, inst.versionLn)
	mode := "one Python process, through the aws script's entry point (cli_driver.py)"
	if inst.python == "" || os.Getenv("PROFORMA_COMPAT_CLI_EXEC") != "" {
		mode = "a process per step"
	}
	t.Logf("AWS CLI v%d: %s", major, mode)
	var endpoint string
	if endpointFromEnv(inst) {
		endpoint = "`AWS_ENDPOINT_URL_BILLINGCONDUCTOR` (`_CLOUDCONTROL`, `_STS`)"
	} else if major == 2 {
		endpoint = "`--endpoint-url` (`AWS_ENDPOINT_URL_BILLINGCONDUCTOR` needs 2.13 or later)"
	} else {
		endpoint = "`--endpoint-url` (v1 does not read `AWS_ENDPOINT_URL_BILLINGCONDUCTOR`)"
	}
	home := t.TempDir()
	return runner{
		version:  inst.describe(),
		endpoint: endpoint,
		run: func(ctx context.Context, t *testing.T, url string, sc *scenario) (report, error) {
			c, err := newCLIClient(inst, url, home)
			if err != nil {
				return report{}, err
			}
			defer c.close()
			name := fmt.Sprintf("cli-v%d", major)
			res := runScenario(ctx, sc, c, func(f string, a ...any) { t.Logf(name+": "+f, a...) })
			return report{Client: fmt.Sprintf("AWS CLI v%d", major), Version: inst.describe(), Results: res}, nil
		},
	}, ""
}

func prepareJS(t *testing.T) (runner, string) {
	node, err := exec.LookPath("node")
	if err != nil {
		return runner{}, "node is not on PATH"
	}
	var versions []string
	for _, name := range []string{"client-billingconductor", "client-cloudcontrol", "client-sts"} {
		pkg, err := os.ReadFile(filepath.Join("js", "node_modules", "@aws-sdk", name, "package.json"))
		if err != nil {
			return runner{}, "@aws-sdk/" + name + " is not installed (run npm ci in compat/js)"
		}
		var meta struct{ Name, Version string }
		if err := json.Unmarshal(pkg, &meta); err != nil {
			t.Fatal(err)
		}
		versions = append(versions, meta.Name+" "+meta.Version)
	}
	script, scenarioFile, home := mustAbs(t, filepath.Join("js", "runner.mjs")), mustAbs(t, scenarioPath), t.TempDir()
	return runner{
		version:  strings.Join(versions, ", "),
		endpoint: "`endpoint`",
		run: func(ctx context.Context, t *testing.T, url string, sc *scenario) (report, error) {
			return runExternal(ctx, t, "js", exec.CommandContext(ctx, node, script, url, scenarioFile), home)
		},
	}, ""
}

// runExternal runs a runner script (home: a directory for its environment),
// logs its stderr and parses the report it prints on stdout.
func runExternal(ctx context.Context, t *testing.T, name string, cmd *exec.Cmd, home string) (report, error) {
	cmd.Env = isolatedEnv(home)
	cmd.WaitDelay = 5 * time.Second
	var stdout, stderr bytes.Buffer
	cmd.Stdout, cmd.Stderr = &stdout, &stderr
	err := cmd.Run()
	for line := range strings.Lines(stderr.String()) {
		t.Logf("%s: %s", name, strings.TrimRight(line, "\n"))
	}
	if ctx.Err() != nil {
		return report{}, fmt.Errorf("%s runner did not finish within %s", name, runnerTimeout)
	}
	if err != nil {
		return report{}, fmt.Errorf("%s runner: %v", name, err)
	}
	var rep report
	if err := json.Unmarshal(stdout.Bytes(), &rep); err != nil {
		return report{}, fmt.Errorf("%s runner printed no report (%v): %q", name, err, stdout.String())
	}
	return rep, nil
}

// isolatedEnv is the environment of a client process: this process's
// environment without any AWS_ setting, plus the caller's static credentials,
// the region, configuration files that do not exist (so no profile of the
// machine applies), no retries, no pager and no proxy for loopback.
func isolatedEnv(dir string) []string {
	var env []string
	for _, kv := range os.Environ() {
		if !strings.HasPrefix(strings.ToUpper(kv), "AWS_") {
			env = append(env, kv)
		}
	}
	return append(env,
		"AWS_ACCESS_KEY_ID="+callerKey,
		"AWS_SECRET_ACCESS_KEY="+callerSecret,
		"AWS_DEFAULT_REGION="+region,
		"AWS_REGION="+region,
		"AWS_CONFIG_FILE="+filepath.Join(dir, "aws-config-none"),
		"AWS_SHARED_CREDENTIALS_FILE="+filepath.Join(dir, "aws-credentials-none"),
		"AWS_EC2_METADATA_DISABLED=true",
		"AWS_MAX_ATTEMPTS=1",
		"AWS_RETRY_MODE=standard",
		"AWS_PAGER=",
		"NO_PROXY=127.0.0.1,localhost",
		"no_proxy=127.0.0.1,localhost",
		"PYTHONUNBUFFERED=1",
	)
}

func mustAbs(t *testing.T, p string) string {
	a, err := filepath.Abs(p)
	if err != nil {
		t.Fatal(err)
	}
	return a
}

// --- the scenario against the model ---

// modelOperations returns the operations of the vendored service model,
// sorted, then those of otherOperations.
func modelOperations() ([]operation, error) {
	b, err := os.ReadFile(modelPath)
	if err != nil {
		return nil, err
	}
	var m struct {
		Operations map[string]json.RawMessage `json:"operations"`
	}
	if err := json.Unmarshal(b, &m); err != nil {
		return nil, fmt.Errorf("%s: %v", modelPath, err)
	}
	var ops []operation
	for _, name := range sortedKeys(m.Operations) {
		ops = append(ops, operation{defaultService, name})
	}
	for _, svc := range otherServices {
		for _, name := range otherOperations[svc] {
			ops = append(ops, operation{svc, name})
		}
	}
	return ops, nil
}

// checkCoverage: every operation of the model has a success step and an
// error step, every operation of otherOperations has a step, and the
// scenario names no other operation.
func checkCoverage(t *testing.T, sc *scenario, ops []operation) {
	seen := map[operation]map[string]bool{}
	names := map[string]operation{}
	for _, op := range ops {
		if other, dup := names[op.name]; dup {
			t.Errorf("operation %s is in both %s and %s", op.name, other.service, op.service)
		}
		names[op.name] = op
	}
	for i, s := range sc.Steps {
		op := operation{s.service(), s.Op}
		if !slices.Contains(ops, op) {
			t.Errorf("%s step %d: %s is not an operation of %s", scenarioPath, i+1, s.Op, op.service)
		}
		if seen[op] == nil {
			seen[op] = map[string]bool{}
		}
		seen[op][s.kind()] = true
	}
	for _, op := range ops {
		if op.service != defaultService {
			if len(seen[op]) == 0 {
				t.Errorf("%s has no step for %s", scenarioPath, op.label())
			}
			continue
		}
		for _, kind := range []string{"success", "error"} {
			if !seen[op][kind] {
				t.Errorf("%s has no %s step for %s", scenarioPath, kind, op.name)
			}
		}
	}
}

// --- the server ---

func buildProforma(t *testing.T) string {
	bin := filepath.Join(t.TempDir(), "proforma")
	if err := harness.Build("..", bin, "./cmd/proforma"); err != nil {
		t.Fatal(err)
	}
	return bin
}

type server struct {
	url    string
	cmd    *exec.Cmd
	output *harness.LockedBuffer
	done   chan struct{}
	once   sync.Once
}

var listeningURL = regexp.MustCompile(`msg="proforma listening" url=(http://\S+)`)

// startServer starts `proforma serve` on a port the kernel picks (the log
// line names it), in memory, on the scenario's organization and clock, and
// waits until it is healthy.
func startServer(t *testing.T, bin, org string) (*server, error) {
	cmd := exec.Command(bin, "serve", "--addr", "127.0.0.1:0", "--data", ":memory:", "--org", org, "--now", pinnedNow)
	pr, pw := io.Pipe()
	s := &server{cmd: cmd, output: &harness.LockedBuffer{}, done: make(chan struct{})}
	cmd.Stdout, cmd.Stderr = pw, pw
	cmd.WaitDelay = 5 * time.Second
	if err := cmd.Start(); err != nil {
		return nil, err
	}
	go func() {
		cmd.Wait()
		pw.Close()
		close(s.done)
	}()
	urls := make(chan string, 1)
	go func() {
		sc := bufio.NewScanner(pr)
		for sc.Scan() {
			line := sc.Text()
			s.output.Write([]byte(line + "\n"))
			if m := listeningURL.FindStringSubmatch(line); m != nil {
				select {
				case urls <- m[1]:
				default:
				}
			}
		}
		io.Copy(io.Discard, pr)
	}()
	t.Cleanup(s.stop)
	select {
	case s.url = <-urls:
	case <-s.done:
		return nil, fmt.Errorf("proforma exited before listening:\n%s", s.output.String())
	case <-time.After(readyTimeout):
		s.stop()
		return nil, fmt.Errorf("proforma did not log its address within %s:\n%s", readyTimeout, s.output.String())
	}
	deadline := time.Now().Add(readyTimeout)
	for {
		resp, err := http.Get(s.url + "/_proforma/health")
		if err == nil {
			resp.Body.Close()
			if resp.StatusCode == http.StatusOK {
				return s, nil
			}
		}
		if time.Now().After(deadline) {
			s.stop()
			return nil, fmt.Errorf("proforma at %s not healthy within %s (%v):\n%s", s.url, readyTimeout, err, s.output.String())
		}
		time.Sleep(50 * time.Millisecond)
	}
}

// stop ends the server: SIGTERM, then SIGKILL after 10 seconds.
func (s *server) stop() {
	s.once.Do(func() {
		s.cmd.Process.Signal(syscall.SIGTERM)
		select {
		case <-s.done:
		case <-time.After(10 * time.Second):
			s.cmd.Process.Kill()
			<-s.done
		}
	})
}

// --- the document ---

type matrix struct {
	columns []matrixColumn
}

type matrixColumn struct {
	title, errors, version, endpoint string
	skipped                          bool
	results                          map[string]opResult
}

// cell is an operation's verdict in one client: pass when every kind of step
// it has passed (an operation of otherOperations may have one kind only).
func cell(r opResult) string {
	switch {
	case r.Success == notInClient:
		return notInClient
	case r.Success == fail || r.Error == fail || r.Success == "" && r.Error == "":
		return fail
	default:
		return pass
	}
}

func renderDoc(sc *scenario, ops []operation, m matrix) string {
	var b strings.Builder
	steps := map[string][2]int{}
	for _, s := range sc.Steps {
		n := steps[s.Op]
		if s.Error != nil {
			n[1]++
		} else {
			n[0]++
		}
		steps[s.Op] = n
	}
	p := func(format string, a ...any) { fmt.Fprintf(&b, format, a...) }
	p("# Client compatibility\n\n")
	p("<!-- Generated by `go test ./compat -update` from compat/scenario.json; do not edit. -->\n\n")
	nModel := 0
	for _, op := range ops {
		if op.service == defaultService {
			nModel++
		}
	}
	p("Every operation of the service model (%d) is driven through real AWS clients, unmodified but for the\n", nModel)
	p("endpoint, against the real `proforma` binary: the %d steps of [compat/scenario.json](../compat/scenario.json),\n", len(sc.Steps))
	p("each operation at least once as a success (with output members checked) and once as an error (the\n")
	p("exception as the client raises it and, where the client shows them, its HTTP status, `Reason` and\n")
	p("`Fields`). Each client gets a fresh server: `proforma serve --data :memory: --org compat/org.yaml\n")
	p("--now %s`, caller `%s` (permissive auth), region `%s`.\n\n", pinnedNow, callerKey, region)
	p("A cell is **pass** when every step of the operation behaved as expected in that client, **fail** when\n")
	p("one did not, and **not in client** when the client's service model predates the operation (its steps\n")
	p("are skipped there: recorded, not failed). The scenario uses only members that every client's model\n")
	p("has. The last column is not a client: it sends the same steps as requests built from the vendored\n")
	p("model, so it also runs the operations that no client here has yet, and shows the scenario is right.\n\n")
	p("The same endpoint also serves the Cloud Control API (`AWS::BillingConductor::*` resources) and STS\n")
	p("`GetCallerIdentity`; the scenario drives all %d of their operations too (the rows marked with their\n", len(ops)-nModel)
	p("service), each at least once: a PricingPlan is created, read, patched, listed and deleted through\n")
	p("Cloud Control, its requests listed and one cancelled (an error: it has finished).\n\n")
	p("The CLIs run each step as `aws <service> <command> --cli-input-json <params> --output json`. When\n")
	p("`aws` is a Python script (pip's v1, Debian's v2) the commands go through its own entry point,\n")
	p("`awscli.clidriver.main()`, one after another in one Python process (`compat/cli_driver.py`), which\n")
	p("saves a Python start per step; `PROFORMA_COMPAT_CLI_EXEC=1` starts `aws` for every step instead.\n\n")
	p("Run `go test ./compat` (it compares this file when all five clients ran), or\n")
	p("`go test ./compat -update` to rewrite this file. The clients: boto3 and the AWS CLI v1 from pip, the\n")
	p("AWS CLI v2 from Debian (`apt-get install awscli`: `/usr/bin/aws`), the AWS SDK for JavaScript v3 by\n")
	p("`npm ci` in `compat/js`.\n\n")
	p("## Clients\n\n")
	p("| Client | Version | Endpoint given by | Errors checked |\n|---|---|---|---|\n")
	for _, c := range m.columns {
		version := c.version
		if c.skipped {
			version = "not run"
		}
		p("| %s | %s | %s | %s |\n", c.title, escape(version), c.endpoint, c.errors)
	}

	p("\n## Operations × clients\n\n")
	p("Steps: success steps + error steps.\n\n")
	p("| Operation | Steps |")
	for _, c := range m.columns {
		p(" %s |", c.title)
	}
	p("\n|---|---|")
	for range m.columns {
		p("---|")
	}
	p("\n")
	totals := make([]map[string]int, len(m.columns))
	for i := range totals {
		totals[i] = map[string]int{}
	}
	for _, op := range ops {
		n := steps[op.name]
		p("| %s | %d + %d |", op.label(), n[0], n[1])
		for i, c := range m.columns {
			v := "not run"
			if !c.skipped {
				v = cell(c.results[op.name])
			}
			totals[i][v]++
			p(" %s |", v)
		}
		p("\n")
	}
	p("| **pass / fail / not in client** | |")
	for i, c := range m.columns {
		if c.skipped {
			p(" not run |")
			continue
		}
		p(" %d / %d / %d |", totals[i][pass], totals[i][fail], totals[i][notInClient])
	}
	p("\n")

	var failures []string
	for _, c := range m.columns {
		if c.skipped {
			continue
		}
		for _, op := range ops {
			r := c.results[op.name]
			if cell(r) == fail {
				detail := r.Detail
				if detail == "" {
					detail = fmt.Sprintf("success %q, error %q", r.Success, r.Error)
				}
				failures = append(failures, fmt.Sprintf("- %s, %s: %s", op.label(), c.title, escape(scrubPorts(detail))))
			}
		}
	}
	if len(failures) > 0 {
		p("\n## Failures\n\n%s\n", strings.Join(failures, "\n"))
	}
	return b.String()
}

func escape(s string) string {
	return strings.ReplaceAll(strings.ReplaceAll(s, "|", `\|`), "\n", " ")
}

var loopbackURL = regexp.MustCompile(`http://127\.0\.0\.1:[0-9]+`)

// scrubPorts keeps a rendered failure independent of the port picked.
func scrubPorts(s string) string {
	return loopbackURL.ReplaceAllString(s, "http://127.0.0.1:PORT")
}
