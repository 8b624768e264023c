// Package harness is what the tests and benchmarks that drive the real
// proforma binary share: building it, a free loopback port, AWS SDK
// clients that work around a smithy-go/net/http race, and an output buffer
// for child processes. The product does not import it.
package harness

import (
	"bytes"
	"errors"
	"fmt"
	"io"
	"net"
	"net/http"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"sync"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/credentials"
	bc "github.com/aws/aws-sdk-go-v2/service/billingconductor"
)

// ModuleRoot returns the directory of the proforma module's go.mod, from
// the current directory.
func ModuleRoot() (string, error) {
	out, err := exec.Command("go", "env", "GOMOD").Output()
	if err != nil {
		return "", fmt.Errorf("go env GOMOD: %w", err)
	}
	gomod := strings.TrimSpace(string(out))
	if gomod == "" || gomod == os.DevNull {
		return "", errors.New("run from inside the proforma module")
	}
	return filepath.Dir(gomod), nil
}

// Build runs `go build -o out pkg` in the module at root.
func Build(root, out, pkg string) error {
	cmd := exec.Command("go", "build", "-o", out, pkg)
	cmd.Dir = root
	if b, err := cmd.CombinedOutput(); err != nil {
		return fmt.Errorf("go build %s: %v\n%s", pkg, err, b)
	}
	return nil
}

// FreePort returns a loopback port that was free a moment ago.
func FreePort() (string, error) {
	l, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		return "", err
	}
	defer l.Close()
	_, port, err := net.SplitHostPort(l.Addr().String())
	return port, err
}

// NewClient returns a Billing Conductor client for the endpoint that does
// not retry. In permissive auth a 12-digit access key ID is the caller's
// account.
func NewClient(endpoint, accessKey string) *bc.Client {
	return bc.New(bc.Options{
		BaseEndpoint:     aws.String(endpoint),
		Region:           "us-east-1",
		Credentials:      credentials.NewStaticCredentialsProvider(accessKey, "proforma-test-secret", ""),
		RetryMaxAttempts: 1,
		HTTPClient:       &http.Client{Transport: ReadOnlyBodies{http.DefaultTransport.(*http.Transport).Clone()}},
	})
}

// ReadOnlyBodies hides the io.WriterTo of request bodies from net/http.
//
// It works around a client-side race of smithy-go (v1.28.8) with net/http:
// smithy-go wraps request bodies in a safe closer whose WriteTo returns
// io.EOF once closed, and closes it as soon as client.Do returns. After
// sending Content-Length bytes, net/http's transport copies the rest of the
// body (io.Copy, so WriteTo) to check that nothing is left; when a fast
// server's response has already come back, that copy gets io.EOF — an
// error for io.Copy — and the transport closes the connection while the
// caller is still reading the response body. Responses larger than the
// transport's first read (~4 KB) then fail with "use of closed network
// connection" about 1% of the time on loopback. Through Read only, the
// closed body's io.EOF is an ordinary end of body.
type ReadOnlyBodies struct{ Base http.RoundTripper }

func (t ReadOnlyBodies) RoundTrip(req *http.Request) (*http.Response, error) {
	if req.Body != nil && req.Body != http.NoBody {
		req = req.Clone(req.Context())
		req.Body = struct{ io.ReadCloser }{req.Body}
	}
	return t.Base.RoundTrip(req)
}

// LockedBuffer is a bytes.Buffer safe for concurrent writers, e.g. a child
// process's stdout and stderr.
type LockedBuffer struct {
	mu  sync.Mutex
	buf bytes.Buffer
}

func (b *LockedBuffer) Write(p []byte) (int, error) {
	b.mu.Lock()
	defer b.mu.Unlock()
	return b.buf.Write(p)
}

func (b *LockedBuffer) String() string {
	b.mu.Lock()
	defer b.mu.Unlock()
	return b.buf.String()
}
