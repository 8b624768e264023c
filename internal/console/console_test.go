package console

import (
	"net/http"
	"net/http/httptest"
	"strings"
	"testing"
)

func get(t *testing.T, h http.Handler, method, path string, header ...string) *httptest.ResponseRecorder {
	t.Helper()
	r := httptest.NewRequest(method, path, nil)
	for i := 0; i+1 < len(header); i += 2 {
		r.Header.Set(header[i], header[i+1])
	}
	w := httptest.NewRecorder()
	h.ServeHTTP(w, r)
	return w
}

// Every deep link answers the application's page; assets answer with
// their type; a missing asset is 404, not the page.
func TestConsoleServesPagesAndAssets(t *testing.T) {
	h := New()
	index := get(t, h, "GET", "/console/")
	if index.Code != 200 || !strings.Contains(index.Body.String(), `<script type="module" src="assets/app.js">`) {
		t.Fatalf("GET /console/: %d %q", index.Code, index.Body.String())
	}
	for _, p := range []string{"/console/billing-groups", "/console/billing-groups/123456789012?period=2026-10",
		"/console/pricing-plans/abc", "/console/pricing-rules/abc", "/console/custom-line-items/abc", "/console/usage",
		"/console/scenarios/abc"} {
		w := get(t, h, "GET", p)
		if w.Code != 200 || w.Body.String() != index.Body.String() || w.Header().Get("Content-Type") != "text/html; charset=utf-8" {
			t.Errorf("GET %s: %d %s", p, w.Code, w.Header().Get("Content-Type"))
		}
	}
	for p, typ := range map[string]string{"/console/assets/app.js": "text/javascript; charset=utf-8",
		"/console/assets/style.css": "text/css; charset=utf-8", "/console/assets/sigv4.js": "text/javascript; charset=utf-8"} {
		w := get(t, h, "GET", p)
		if w.Code != 200 || w.Header().Get("Content-Type") != typ || w.Body.Len() == 0 {
			t.Errorf("GET %s: %d %s, %d bytes", p, w.Code, w.Header().Get("Content-Type"), w.Body.Len())
		}
		if w.Header().Get("X-Content-Type-Options") != "nosniff" || !strings.Contains(w.Header().Get("Content-Security-Policy"), "default-src 'self'") {
			t.Errorf("GET %s: headers %v", p, w.Header())
		}
	}
	if w := get(t, h, "GET", "/console/assets/missing.js"); w.Code != 404 {
		t.Errorf("a missing asset: %d", w.Code)
	}
	if w := get(t, h, "POST", "/console/billing-groups"); w.Code != 405 || w.Header().Get("Allow") != "GET, HEAD" {
		t.Errorf("POST: %d, Allow %q", w.Code, w.Header().Get("Allow"))
	}
}

// An asset is revalidated by its ETag: the same content is 304.
func TestConsoleAssetsRevalidate(t *testing.T) {
	h := New()
	first := get(t, h, "GET", "/console/assets/app.js")
	etag := first.Header().Get("ETag")
	if etag == "" || first.Header().Get("Cache-Control") != "no-cache" {
		t.Fatalf("ETag %q, Cache-Control %q", etag, first.Header().Get("Cache-Control"))
	}
	if w := get(t, h, "GET", "/console/assets/app.js", "If-None-Match", etag); w.Code != http.StatusNotModified {
		t.Errorf("If-None-Match: %d", w.Code)
	}
	if other := get(t, h, "GET", "/console/assets/style.css").Header().Get("ETag"); other == etag {
		t.Error("two assets share an ETag")
	}
}

// Only a browser opening the root is sent to the console.
func TestIsBrowserHome(t *testing.T) {
	for _, c := range []struct {
		method, path, accept string
		want                 bool
	}{
		{"GET", "/", "text/html,application/xhtml+xml", true},
		{"GET", "/", "*/*", false},
		{"POST", "/", "text/html", false},
		{"GET", "/list-billing-groups", "text/html", false},
	} {
		r := httptest.NewRequest(c.method, c.path, nil)
		r.Header.Set("Accept", c.accept)
		if got := IsBrowserHome(r); got != c.want {
			t.Errorf("%s %s Accept %q: %v", c.method, c.path, c.accept, got)
		}
	}
}
