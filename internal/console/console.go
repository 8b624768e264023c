// Package console serves the web console: a browser application embedded
// in the binary (assets/, plain HTML, CSS and JavaScript modules: no build
// step, nothing fetched at run time). The application calls the Billing
// Conductor API and the admin endpoints like any client, signing its
// requests in the browser, so it shows nothing the API would not; this
// package only serves its files.
package console

import (
	"bytes"
	"crypto/sha256"
	"embed"
	"encoding/hex"
	"io/fs"
	"mime"
	"net/http"
	"path"
	"strings"
	"time"
)

// Prefix is the console's path: GET Prefix is its home page, and every
// path under it that names no asset is a deep link into the application
// (/console/billing-groups/<ID>, …), answered with the same page.
const Prefix = "/console/"

//go:embed assets
var assets embed.FS

// file is an embedded asset with what its answers carry.
type file struct {
	data        []byte
	contentType string
	etag        string
}

// Handler serves the console under Prefix. Assets are answered with a
// strong ETag (a hash of their content) and revalidated on every use, so
// a new binary's assets are never mixed with an old one's.
type Handler struct {
	files map[string]file // by path under assets/
}

// New returns the console's handler.
func New() *Handler {
	h := &Handler{files: map[string]file{}}
	err := fs.WalkDir(assets, "assets", func(p string, d fs.DirEntry, err error) error {
		if err != nil || d.IsDir() {
			return err
		}
		data, err := assets.ReadFile(p)
		if err != nil {
			return err
		}
		sum := sha256.Sum256(data)
		h.files[strings.TrimPrefix(p, "assets/")] = file{data: data, contentType: contentType(p),
			etag: `"` + hex.EncodeToString(sum[:12]) + `"`}
		return nil
	})
	if err != nil {
		panic("console: embedded assets: " + err.Error()) // the embed is part of the binary
	}
	return h
}

// contentType is an asset's Content-Type, by its extension.
func contentType(p string) string {
	switch path.Ext(p) {
	case ".js", ".mjs":
		return "text/javascript; charset=utf-8"
	case ".html":
		return "text/html; charset=utf-8"
	case ".css":
		return "text/css; charset=utf-8"
	case ".svg":
		return "image/svg+xml"
	}
	if t := mime.TypeByExtension(path.Ext(p)); t != "" {
		return t
	}
	return "application/octet-stream"
}

// ServeHTTP answers GET and HEAD under Prefix: an asset by its path
// (/console/assets/app.js is assets/app.js), any other path the
// application's page.
func (h *Handler) ServeHTTP(w http.ResponseWriter, r *http.Request) {
	if r.Method != http.MethodGet && r.Method != http.MethodHead {
		w.Header().Set("Allow", "GET, HEAD")
		http.Error(w, "method not allowed", http.StatusMethodNotAllowed)
		return
	}
	rest, ok := strings.CutPrefix(r.URL.Path, Prefix)
	if !ok {
		http.Redirect(w, r, Prefix, http.StatusFound)
		return
	}
	name, isAsset := strings.CutPrefix(rest, "assets/")
	f, found := h.files[name]
	switch {
	case isAsset && !found:
		http.NotFound(w, r)
		return
	case !isAsset:
		f = h.files["index.html"]
	}
	hdr := w.Header()
	hdr.Set("Content-Type", f.contentType)
	hdr.Set("ETag", f.etag)
	hdr.Set("Cache-Control", "no-cache")
	hdr.Set("X-Content-Type-Options", "nosniff")
	hdr.Set("Referrer-Policy", "no-referrer")
	hdr.Set("X-Frame-Options", "DENY")
	// The application talks to this origin only and runs no inline script.
	hdr.Set("Content-Security-Policy", "default-src 'self'; img-src 'self' data:; style-src 'self'; frame-ancestors 'none'")
	http.ServeContent(w, r, "", time.Time{}, bytes.NewReader(f.data))
}

// IsBrowserHome tells whether r is a browser opening the server's root
// (GET / asking for HTML), which the server redirects to the console. No
// AWS client sends that: every Billing Conductor operation has a path of
// its own, and the other protocols on the port POST.
func IsBrowserHome(r *http.Request) bool {
	return r.Method == http.MethodGet && r.URL.Path == "/" && strings.Contains(r.Header.Get("Accept"), "text/html")
}
