package main

// The ceiling workloads: bench/ceiling, a bare net/http server that decodes
// a JSON body and answers a small JSON document, driven by a plain
// http.Client (nothing signed) with request bodies of the sizes the
// Billing Conductor SDK sent to Proforma in the same phase.

import (
	"bytes"
	"context"
	"encoding/json"
	"fmt"
	"io"
	"net/http"
	"strings"
)

// defaultBodyBytes are the request body sizes used when Proforma was not
// measured in the run (measured with aws-sdk-go-v2 billingconductor v1.30.7).
var defaultBodyBytes = map[string]float64{"create": 66, "associate": 104, "list": 2}

func ceilingSpec(bin string) spec {
	return spec{
		name:   "ceiling",
		argv:   func(addr string) []string { return []string{bin, "--addr", addr} },
		health: "/health",
	}
}

// jsonBody returns a JSON object of about size bytes naming the request.
func jsonBody(name string, size int) []byte {
	if size <= 2 {
		return []byte("{}")
	}
	b, _ := json.Marshal(map[string]string{"Name": name})
	if pad := size - len(b) - len(`,"Pad":""`); pad > 0 {
		b, _ = json.Marshal(map[string]string{"Name": name, "Pad": strings.Repeat("x", pad)})
	}
	return b
}

// ceilingPhases returns the phases of a ceiling server at url; bodyBytes
// gives the request size of each phase.
func ceilingPhases(url string, hc *http.Client, bodyBytes map[string]float64) []phase {
	call := func(ctx context.Context, op string, body []byte) error {
		req, err := http.NewRequestWithContext(ctx, http.MethodPost, url+"/"+op, bytes.NewReader(body))
		if err != nil {
			return err
		}
		req.Header.Set("Content-Type", "application/json")
		resp, err := hc.Do(req)
		if err != nil {
			return err
		}
		defer resp.Body.Close()
		data, err := io.ReadAll(resp.Body)
		if err != nil {
			return err
		}
		if resp.StatusCode != http.StatusOK {
			return fmt.Errorf("%s: %s", op, resp.Status)
		}
		var out struct {
			Operation, Name, RequestID string
			Fields                     int
		}
		return json.Unmarshal(data, &out)
	}
	size := func(phase string) int { return int(bodyBytes[phase] + 0.5) }
	var run int
	nothing := func(ctx context.Context, workers int) error { return nil }
	return []phase{{
		Name:       "create",
		Operations: "POST /CreateThing (JSON decode + small JSON answer)",
		Prepare:    func(ctx context.Context, workers int) error { run++; return nil },
		Op: func(ctx context.Context, w, seq int) error {
			return call(ctx, "CreateThing", jsonBody(fmt.Sprintf("bench-r%d-w%02d-%06d", run, w, seq), size("create")))
		},
	}, {
		Name:       "associate",
		Operations: "POST /Associate, POST /Disassociate alternately",
		Prepare:    nothing,
		Op: func(ctx context.Context, w, seq int) error {
			op := "Associate"
			if seq%2 == 1 {
				op = "Disassociate"
			}
			return call(ctx, op, jsonBody(demoAccount(associateGroups+1+w), size("associate")))
		},
	}, {
		Name:       "list",
		Operations: "POST /ListThings, POST /ListOtherThings alternately",
		Prepare:    nothing,
		Op: func(ctx context.Context, w, seq int) error {
			op := "ListThings"
			if seq%2 == 1 {
				op = "ListOtherThings"
			}
			return call(ctx, op, jsonBody("", size("list")))
		},
	}}
}
