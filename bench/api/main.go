// Command api measures Proforma's API speed against peers in the same run:
//
//	go run ./bench/api [-duration 3s] [-workers 1,8,32] [-json results.json]
//
// Servers, each started as a real process on a free loopback port:
//
//   - proforma: the real binary (go build ./cmd/proforma) with --data on
//     disk (SQLite WAL, synchronous=FULL: every write is fsynced before the
//     answer), and again with --data :memory: ("proforma-memory");
//   - moto: moto's server (python3 -m moto.server, or moto_server), the
//     usual local AWS stand-in, through SQS's JSON protocol; skipped with a
//     message when moto is not installed;
//   - ceiling: bench/ceiling, a bare net/http handler that decodes a JSON
//     body and answers a small JSON document.
//
// Each server runs three phases, each at every worker count for -duration
// (closed loop: a worker sends its next request when the previous one is
// answered). The store is reset before every run of a phase (Proforma:
// POST /_proforma/reset; moto: POST /moto-api/reset):
//
//	phase      Proforma (billingconductor SDK)        moto (SQS SDK)            ceiling (http.Client)
//	create     CreatePricingPlan, unique names        CreateQueue               POST, same body size
//	associate  AssociateAccounts/DisassociateAccounts TagQueue/UntagQueue       POST, same body size
//	list       ListBillingGroups/ListAccountAssoc.    ListQueues/ListQueueTags  POST, same body size
//
// Reported per phase and worker count: successful requests/s, p50/p90/p99
// latency, unexpected errors (must be 0) and expected ones (the pricing plan
// quota; a create run stops at 4,900 plans to stay under it). Per server:
// startup time (process start to the first 200 of the health endpoint,
// median of -startups runs, a fresh data directory each) and resident
// memory (VmRSS) after startup and after the load, with the peak (VmHWM).
// Ratios compare Proforma with moto and with the ceiling. Nothing is
// asserted: the numbers depend on the machine; the load generator shares it.
//
// See docs/performance.md, "API speed", for results and how to read them.
package main

import (
	"context"
	"encoding/json"
	"flag"
	"fmt"
	"io"
	"math"
	"os"
	"os/exec"
	"os/signal"
	"path/filepath"
	"runtime"
	"slices"
	"strconv"
	"strings"
	"syscall"
	"text/tabwriter"
	"time"

	"github.com/proforma-dev/proforma/internal/harness"
)

type config struct {
	Duration time.Duration `json:"-"`
	Warmup   time.Duration `json:"-"`
	Workers  []int         `json:"workers"`
	Servers  []string      `json:"servers"`
	Phases   []string      `json:"phases"`
	Startups int           `json:"startups"`
	DataDir  string        `json:"data_parent_dir"`

	DurationS float64 `json:"duration_s"`
	WarmupS   float64 `json:"warmup_s"`
}

// serverResult is everything measured of one server.
type serverResult struct {
	Name          string        `json:"name"`
	Description   string        `json:"description"`
	Version       string        `json:"version,omitempty"`
	Skipped       string        `json:"skipped,omitempty"`
	StartupMs     []float64     `json:"startup_ms"`
	StartupMedian float64       `json:"startup_median_ms"`
	MemAfterStart memory        `json:"memory_after_startup"`
	MemAfterLoad  memory        `json:"memory_after_load"`
	Phases        []phaseResult `json:"phases"`
}

type ratio struct {
	Server       string  `json:"server"`
	Phase        string  `json:"phase"`
	Workers      int     `json:"workers"`
	VsMotoRPS    float64 `json:"vs_moto_rps,omitempty"`    // Proforma req/s ÷ moto req/s
	VsCeilingRPS float64 `json:"vs_ceiling_rps,omitempty"` // Proforma req/s ÷ ceiling req/s
}

// resourceRatio compares a Proforma server's startup and memory (RSS after
// the load) with the peers': Proforma's value ÷ the peer's.
type resourceRatio struct {
	Server           string  `json:"server"`
	StartupVsMoto    float64 `json:"startup_vs_moto,omitempty"`
	RSSVsMoto        float64 `json:"rss_after_load_vs_moto,omitempty"`
	StartupVsCeiling float64 `json:"startup_vs_ceiling,omitempty"`
	RSSVsCeiling     float64 `json:"rss_after_load_vs_ceiling,omitempty"`
}

type results struct {
	Started time.Time      `json:"started"`
	Took    float64        `json:"took_s"`
	Machine machine        `json:"machine"`
	Config  config         `json:"config"`
	Servers []serverResult `json:"servers"`
	Ratios  []ratio        `json:"ratios"`

	ResourceRatios []resourceRatio `json:"resource_ratios"`
}

const allServers = "proforma,proforma-memory,moto,ceiling"

func main() {
	var (
		cfg      config
		workers  string
		servers  string
		phases   string
		jsonPath string
		motoCmd  string
	)
	flag.DurationVar(&cfg.Duration, "duration", 3*time.Second, "duration of each measured run (one phase at one worker count)")
	flag.DurationVar(&cfg.Warmup, "warmup", 500*time.Millisecond, "unmeasured warm-up of each phase of each server (0 = none)")
	flag.StringVar(&workers, "workers", "1,8,32", "comma-separated worker counts (concurrent clients); at most 36")
	flag.StringVar(&servers, "servers", allServers, "comma-separated servers to measure")
	flag.StringVar(&phases, "phases", "create,associate,list", "comma-separated phases")
	flag.IntVar(&cfg.Startups, "startups", 3, "process starts timed per server (the median is reported)")
	flag.StringVar(&cfg.DataDir, "datadir", os.TempDir(), "parent directory of Proforma's on-disk data directories")
	flag.StringVar(&jsonPath, "json", "", "write the results as JSON to this file")
	flag.StringVar(&motoCmd, "moto", "", "command running moto's server (default: python3 -m moto.server, else moto_server)")
	flag.Parse()

	for _, s := range strings.Split(workers, ",") {
		n, err := strconv.Atoi(strings.TrimSpace(s))
		if err != nil || n < 1 || n > maxAssociateWorkers {
			fatalf("-workers: %q is not a count in 1…%d", s, maxAssociateWorkers)
		}
		cfg.Workers = append(cfg.Workers, n)
	}
	cfg.Servers = splitList(servers)
	for _, s := range cfg.Servers {
		if !slices.Contains(strings.Split(allServers, ","), s) {
			fatalf("-servers: unknown server %q (known: %s)", s, allServers)
		}
	}
	cfg.Phases = splitList(phases)
	for _, p := range cfg.Phases {
		if !slices.Contains([]string{"create", "associate", "list"}, p) {
			fatalf("-phases: unknown phase %q", p)
		}
	}
	if cfg.Startups < 1 {
		cfg.Startups = 1
	}
	cfg.DurationS, cfg.WarmupS = cfg.Duration.Seconds(), cfg.Warmup.Seconds()

	ctx, stop := signal.NotifyContext(context.Background(), os.Interrupt, syscall.SIGTERM)
	defer stop()
	defer stopAll()
	res, err := run(ctx, cfg, motoCmd)
	if err != nil {
		stopAll()
		fatalf("%v", err)
	}
	printTables(os.Stdout, res)
	if jsonPath != "" {
		b, _ := json.MarshalIndent(res, "", "  ")
		if err := os.WriteFile(jsonPath, append(b, '\n'), 0o644); err != nil {
			stopAll()
			fatalf("write results: %v", err)
		}
		fmt.Fprintf(os.Stderr, "results written to %s\n", jsonPath)
	}
}

func splitList(s string) []string {
	var out []string
	for _, f := range strings.Split(s, ",") {
		if f = strings.TrimSpace(f); f != "" {
			out = append(out, f)
		}
	}
	return out
}

func fatalf(format string, args ...any) {
	fmt.Fprintf(os.Stderr, "bench/api: "+format+"\n", args...)
	os.Exit(1)
}

func logf(format string, args ...any) {
	fmt.Fprintf(os.Stderr, format+"\n", args...)
}

func run(ctx context.Context, cfg config, motoCmd string) (*results, error) {
	res := &results{Started: time.Now().UTC(), Config: cfg}
	root, err := harness.ModuleRoot()
	if err != nil {
		return nil, err
	}
	tmp, err := os.MkdirTemp("", "proforma-bench-bin-")
	if err != nil {
		return nil, err
	}
	defer os.RemoveAll(tmp)
	res.Machine = describeMachine(root, cfg.DataDir)
	logf("machine: %s, %d CPUs, %s, data on %s", res.Machine.CPUModel, res.Machine.NumCPU, res.Machine.GoVersion, res.Machine.DataDirFS)

	want := func(s string) bool { return slices.Contains(cfg.Servers, s) }
	var proformaBin, ceilingBin string
	if want("proforma") || want("proforma-memory") {
		proformaBin = filepath.Join(tmp, "proforma")
		if err := goBuild(root, proformaBin, "./cmd/proforma"); err != nil {
			return nil, err
		}
	}
	if want("ceiling") {
		ceilingBin = filepath.Join(tmp, "ceiling")
		if err := goBuild(root, ceilingBin, "./bench/ceiling"); err != nil {
			return nil, err
		}
	}

	bodyBytes := map[string]float64{}
	for _, name := range cfg.Servers {
		if ctx.Err() != nil {
			return nil, ctx.Err()
		}
		var (
			sp     spec
			phases func(url string, m *meter) []phase
			sr     = serverResult{Name: name}
			after  func()
		)
		switch name {
		case "proforma", "proforma-memory":
			sr.Description = "proforma serve --data <fresh dir> (SQLite WAL, synchronous=FULL)"
			sr.Version = res.Machine.ProformaCommit
			n := 0
			sp = spec{name: name, health: "/_proforma/health", argv: func(addr string) []string {
				data := ":memory:"
				if name == "proforma" {
					n++
					data = filepath.Join(cfg.DataDir, fmt.Sprintf("proforma-bench-data-%d-%d", os.Getpid(), n))
					os.RemoveAll(data)
				}
				return []string{proformaBin, "serve", "--addr", addr, "--data", data}
			}}
			if name == "proforma" {
				after = func() {
					for i := 1; i <= n; i++ {
						os.RemoveAll(filepath.Join(cfg.DataDir, fmt.Sprintf("proforma-bench-data-%d-%d", os.Getpid(), i)))
					}
				}
			} else {
				sr.Description = "proforma serve --data :memory:"
			}
			phases = func(url string, m *meter) []phase { return proformaPhases(url, newHTTPClient(m, true)) }
		case "moto":
			var argv []string
			var ok bool
			if motoCmd != "" {
				argv, sr.Version, ok = strings.Fields(motoCmd), "unknown", true
			} else {
				argv, sr.Version, ok = motoCommand()
			}
			if !ok {
				sr.Skipped = "moto is not installed (no python3 importing moto.server, no moto_server on the PATH)"
				logf("moto: skipped: %s", sr.Skipped)
				res.Servers = append(res.Servers, sr)
				continue
			}
			sr.Description = strings.Join(argv, " ") + " (SQS, JSON protocol)"
			sp = motoSpec(argv)
			phases = func(url string, m *meter) []phase { return motoPhases(url, newHTTPClient(m, true)) }
		case "ceiling":
			sr.Description = "bench/ceiling: bare net/http, JSON decode + small JSON answer, unsigned http.Client"
			sp = ceilingSpec(ceilingBin)
			sizes := map[string]float64{}
			for k, v := range defaultBodyBytes {
				sizes[k] = v
			}
			for k, v := range bodyBytes {
				sizes[k] = v
			}
			phases = func(url string, m *meter) []phase { return ceilingPhases(url, newHTTPClient(m, false), sizes) }
		}
		err := measureServer(ctx, cfg, sp, phases, &sr)
		if after != nil {
			after()
		}
		if err != nil {
			return nil, fmt.Errorf("%s: %w", name, err)
		}
		if name == "proforma" || (name == "proforma-memory" && len(bodyBytes) == 0) {
			for _, p := range sr.Phases {
				bodyBytes[p.Phase] = p.ReqBodyBytes
			}
		}
		res.Servers = append(res.Servers, sr)
	}
	res.Machine.LoadAvgEnd = loadAvg()
	res.Ratios = ratios(res.Servers)
	res.ResourceRatios = resourceRatios(res.Servers)
	res.Took = time.Since(res.Started).Seconds()
	return res, nil
}

// measureServer times the starts, then runs every phase at every worker
// count on the last started process.
func measureServer(ctx context.Context, cfg config, sp spec, phasesOf func(string, *meter) []phase, sr *serverResult) error {
	var p *process
	for i := range cfg.Startups {
		q, took, err := start(ctx, sp)
		if err != nil {
			return err
		}
		sr.StartupMs = append(sr.StartupMs, ms(took))
		if i < cfg.Startups-1 {
			q.Stop()
		} else {
			p = q
		}
	}
	defer p.Stop()
	sr.StartupMedian = median(sr.StartupMs)
	logf("%s: ready at %s; startup %v ms (median %.1f)", sr.Name, p.URL, sr.StartupMs, sr.StartupMedian)
	time.Sleep(250 * time.Millisecond)
	var err error
	if sr.MemAfterStart, err = p.Memory(); err != nil {
		return err
	}

	m := &meter{}
	all := phasesOf(p.URL, m)
	for _, name := range cfg.Phases {
		i := slices.IndexFunc(all, func(ph phase) bool { return ph.Name == name })
		ph := all[i]
		if cfg.Warmup > 0 {
			w := slices.Max(cfg.Workers)
			if err := ph.Prepare(ctx, w); err != nil {
				return fmt.Errorf("prepare %s: %w", ph.Name, err)
			}
			ph.warm(ctx, w, cfg.Warmup)
		}
		for _, w := range cfg.Workers {
			if err := ph.Prepare(ctx, w); err != nil {
				return fmt.Errorf("prepare %s: %w", ph.Name, err)
			}
			before := sampleCPU(p)
			r := ph.run(ctx, w, cfg.Duration, m)
			r.OtherCPU = math.Round(otherCPU(before, sampleCPU(p))*10) / 10
			r.LoadAvg = loadAvg()
			if ctx.Err() != nil {
				return ctx.Err()
			}
			if !p.Running() {
				return fmt.Errorf("the server exited during %s: %v\n%s", ph.Name, p.waitErr, p.out.String())
			}
			logf("  %-9s workers=%-3d %9.0f req/s  p50 %7.2f ms  p99 %7.2f ms  ok %d  errors %d  expected %d  other CPU %.0f%%%s",
				r.Phase, r.Workers, r.RPS, r.P50Ms, r.P99Ms, r.OK, r.Errors, r.ExpectedErrors, r.OtherCPU, cappedNote(r))
			for _, e := range r.ErrorSamples {
				logf("      error: %s", e)
			}
			sr.Phases = append(sr.Phases, r)
		}
	}
	time.Sleep(250 * time.Millisecond)
	if sr.MemAfterLoad, err = p.Memory(); err != nil {
		return err
	}
	return nil
}

func cappedNote(r phaseResult) string {
	if r.Capped {
		return fmt.Sprintf("  (stopped at the %d-plan budget after %.2f s)", createBudget, r.ElapsedS)
	}
	return ""
}

func median(xs []float64) float64 {
	s := slices.Clone(xs)
	slices.Sort(s)
	if len(s) == 0 {
		return 0
	}
	if len(s)%2 == 1 {
		return s[len(s)/2]
	}
	return (s[len(s)/2-1] + s[len(s)/2]) / 2
}

func ratios(servers []serverResult) []ratio {
	find := func(name, phase string, workers int) *phaseResult {
		for i := range servers {
			if servers[i].Name != name {
				continue
			}
			for j := range servers[i].Phases {
				if p := &servers[i].Phases[j]; p.Phase == phase && p.Workers == workers {
					return p
				}
			}
		}
		return nil
	}
	var out []ratio
	for _, s := range servers {
		if !strings.HasPrefix(s.Name, "proforma") {
			continue
		}
		for _, p := range s.Phases {
			r := ratio{Server: s.Name, Phase: p.Phase, Workers: p.Workers}
			if m := find("moto", p.Phase, p.Workers); m != nil && m.RPS > 0 {
				r.VsMotoRPS = round(p.RPS/m.RPS, 3)
			}
			if c := find("ceiling", p.Phase, p.Workers); c != nil && c.RPS > 0 {
				r.VsCeilingRPS = round(p.RPS/c.RPS, 3)
			}
			out = append(out, r)
		}
	}
	return out
}

func resourceRatios(servers []serverResult) []resourceRatio {
	var moto, ceiling *serverResult
	for i := range servers {
		switch s := &servers[i]; {
		case s.Name == "moto" && s.Skipped == "":
			moto = s
		case s.Name == "ceiling":
			ceiling = s
		}
	}
	var out []resourceRatio
	for _, s := range servers {
		if !strings.HasPrefix(s.Name, "proforma") {
			continue
		}
		r := resourceRatio{Server: s.Name}
		if moto != nil {
			r.StartupVsMoto = round(s.StartupMedian/moto.StartupMedian, 3)
			r.RSSVsMoto = round(float64(s.MemAfterLoad.RSSKiB)/float64(moto.MemAfterLoad.RSSKiB), 3)
		}
		if ceiling != nil {
			r.StartupVsCeiling = round(s.StartupMedian/ceiling.StartupMedian, 3)
			r.RSSVsCeiling = round(float64(s.MemAfterLoad.RSSKiB)/float64(ceiling.MemAfterLoad.RSSKiB), 3)
		}
		out = append(out, r)
	}
	return out
}

func round(x float64, digits int) float64 {
	p := 1.0
	for range digits {
		p *= 10
	}
	return float64(int64(x*p+0.5)) / p
}

func printTables(w io.Writer, res *results) {
	m := res.Machine
	fmt.Fprintf(w, "\nAPI speed — %s; %d CPUs (nproc %s); %s; %s; Proforma data dir on %s\n",
		m.CPUModel, m.NumCPU, m.Nproc, m.GoVersion, m.Kernel, m.DataDirFS)
	fmt.Fprintf(w, "%v per run, workers %v, closed loop; req/s = successful requests per second; load average %.1f → %.1f\n",
		res.Config.Duration, res.Config.Workers, m.LoadAvgStart, m.LoadAvgEnd)
	worst := 0.0
	for _, s := range res.Servers {
		for _, p := range s.Phases {
			worst = max(worst, p.OtherCPU)
		}
	}
	if worst > 10 {
		fmt.Fprintf(w, "WARNING: other processes used up to %.0f%% of the machine's CPU during a run (column \"other CPU\"): those rows are not clean.\n", worst)
	}
	fmt.Fprintln(w)
	rat := map[string]ratio{}
	for _, r := range res.Ratios {
		rat[fmt.Sprintf("%s/%s/%d", r.Server, r.Phase, r.Workers)] = r
	}
	tw := tabwriter.NewWriter(w, 0, 0, 2, ' ', tabwriter.AlignRight)
	fmt.Fprintln(tw, "server\tphase\tworkers\treq/s\tp50 ms\tp99 ms\terrors\texpected\ttrend\tother CPU\tvs moto\tvs ceiling\t")
	for _, s := range res.Servers {
		for _, p := range s.Phases {
			r := rat[fmt.Sprintf("%s/%s/%d", s.Name, p.Phase, p.Workers)]
			note := ""
			if p.Capped {
				note = "*"
			}
			fmt.Fprintf(tw, "%s\t%s\t%d\t%.0f%s\t%.2f\t%.2f\t%d\t%d\t%s\t%.0f%%\t%s\t%s\t\n", s.Name, p.Phase, p.Workers, p.RPS, note,
				p.P50Ms, p.P99Ms, p.Errors, p.ExpectedErrors, trend(p.RPSByQuarter), p.OtherCPU, times(r.VsMotoRPS), times(r.VsCeilingRPS))
		}
	}
	tw.Flush()
	for _, s := range res.Servers {
		if s.Skipped != "" {
			fmt.Fprintf(w, "%s skipped: %s\n", s.Name, s.Skipped)
		}
		for _, p := range s.Phases {
			if p.Capped {
				fmt.Fprintf(w, "* %s %s workers=%d stopped at the %d-plan budget after %.2f s\n",
					s.Name, p.Phase, p.Workers, createBudget, p.ElapsedS)
			}
		}
	}

	fmt.Fprintln(w)
	rr := map[string]resourceRatio{}
	for _, r := range res.ResourceRatios {
		rr[r.Server] = r
	}
	tw = tabwriter.NewWriter(w, 0, 0, 2, ' ', tabwriter.AlignRight)
	fmt.Fprintln(tw, "server\tstartup ms (median)\truns ms\tRSS after start MiB\tRSS after load MiB\tpeak RSS MiB\t"+
		"startup vs moto\tRSS vs moto\tstartup vs ceiling\tRSS vs ceiling\t")
	for _, s := range res.Servers {
		if s.Skipped != "" {
			continue
		}
		r := rr[s.Name]
		runs := make([]string, len(s.StartupMs))
		for i, x := range s.StartupMs {
			runs[i] = strconv.FormatFloat(x, 'f', 0, 64)
		}
		fmt.Fprintf(tw, "%s\t%.1f\t%s\t%.1f\t%.1f\t%.1f\t%s\t%s\t%s\t%s\t\n", s.Name, s.StartupMedian, strings.Join(runs, " "),
			mib(s.MemAfterStart.RSSKiB), mib(s.MemAfterLoad.RSSKiB), mib(s.MemAfterLoad.PeakKiB),
			times(r.StartupVsMoto), times(r.RSSVsMoto), times(r.StartupVsCeiling), times(r.RSSVsCeiling))
	}
	tw.Flush()
	fmt.Fprintf(w, "\ntrend: req/s in the last quarter of a run vs the first. other CPU: share of the machine used by other processes during the run.\nvs moto / vs ceiling: Proforma's value ÷ the peer's\n"+
		"(req/s: higher is faster; startup, RSS: lower is better). Took %.0f s.\n", res.Took)
}

// trend is the change of req/s from the first to the last quarter of a run.
func trend(q []float64) string {
	if len(q) != 4 || q[0] == 0 {
		return "–"
	}
	return fmt.Sprintf("%+.0f%%", 100*(q[3]-q[0])/q[0])
}

func times(x float64) string {
	if x == 0 {
		return "–"
	}
	if x >= 10 {
		return fmt.Sprintf("%.0f×", x)
	}
	return fmt.Sprintf("%.2f×", x)
}

func mib(kib int64) float64 { return float64(kib) / 1024 }

func goBuild(root, out, pkg string) error {
	logf("building %s", pkg)
	return harness.Build(root, out, pkg)
}

// machine describes where the benchmark ran.
type machine struct {
	NumCPU         int    `json:"num_cpu"`
	Nproc          string `json:"nproc"`
	GoVersion      string `json:"go_version"`
	CPUModel       string `json:"cpu_model"`
	Kernel         string `json:"kernel"`
	MemTotal       string `json:"mem_total"`
	DataDirFS      string `json:"data_dir_fs"`
	ProformaCommit string `json:"proforma_commit,omitempty"`
	// LoadAvg is /proc/loadavg's 1-minute load at the start and at the end:
	// above the CPU count, other processes competed with the benchmark.
	LoadAvgStart float64 `json:"loadavg_1m_start"`
	LoadAvgEnd   float64 `json:"loadavg_1m_end"`
	GOOS         string  `json:"goos"`
	GOARCH       string  `json:"goarch"`
}

func describeMachine(root, dataDir string) machine {
	m := machine{NumCPU: runtime.NumCPU(), GOOS: runtime.GOOS, GOARCH: runtime.GOARCH, GoVersion: runtime.Version()}
	if out, err := exec.Command("nproc").Output(); err == nil {
		m.Nproc = strings.TrimSpace(string(out))
	}
	if out, err := exec.Command("go", "version").Output(); err == nil {
		m.GoVersion = strings.TrimSpace(string(out))
	}
	if b, err := os.ReadFile("/proc/cpuinfo"); err == nil {
		for _, line := range strings.Split(string(b), "\n") {
			if k, v, ok := strings.Cut(line, ":"); ok && strings.TrimSpace(k) == "model name" {
				m.CPUModel = strings.TrimSpace(v)
				break
			}
		}
	}
	if b, err := os.ReadFile("/proc/sys/kernel/osrelease"); err == nil {
		m.Kernel = "Linux " + strings.TrimSpace(string(b))
	}
	if b, err := os.ReadFile("/proc/meminfo"); err == nil {
		for _, line := range strings.Split(string(b), "\n") {
			if k, v, ok := strings.Cut(line, ":"); ok && k == "MemTotal" {
				m.MemTotal = strings.TrimSpace(v)
				break
			}
		}
	}
	m.DataDirFS = filesystem(dataDir)
	m.LoadAvgStart = loadAvg()
	cmd := exec.Command("git", "describe", "--always", "--dirty")
	cmd.Dir = root
	if out, err := cmd.Output(); err == nil {
		m.ProformaCommit = strings.TrimSpace(string(out))
	}
	return m
}

// loadAvg is the 1-minute load average (0 when unknown).
func loadAvg() float64 {
	b, err := os.ReadFile("/proc/loadavg")
	if err != nil {
		return 0
	}
	f := strings.Fields(string(b))
	if len(f) == 0 {
		return 0
	}
	x, _ := strconv.ParseFloat(f[0], 64)
	return x
}

// filesystem names the file system type of dir (fsync cost depends on it).
func filesystem(dir string) string {
	var st syscall.Statfs_t
	if err := syscall.Statfs(dir, &st); err != nil {
		return "unknown"
	}
	names := map[int64]string{
		0xEF53: "ext4", 0x01021994: "tmpfs", 0x58465342: "xfs", 0x9123683E: "btrfs",
		0x794c7630: "overlayfs", 0x6a656a63: "fakeowner", 0x65735546: "fuse", 0x2fc12fc1: "zfs",
	}
	if n, ok := names[int64(st.Type)]; ok {
		return n + " (" + dir + ")"
	}
	return fmt.Sprintf("0x%x (%s)", st.Type, dir)
}
