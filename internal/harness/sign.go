package harness

import (
	"context"
	"crypto/sha256"
	"encoding/hex"
	"net/http"
	"strings"
	"time"

	"github.com/aws/aws-sdk-go-v2/aws"
	v4 "github.com/aws/aws-sdk-go-v2/aws/signer/v4"
)

// AdminCall is a request to the server as a test sends it: signed with
// SigV4 (signing name billingconductor) when Key is set, over the SHA-256 of
// SignedBody ("" = Body), which it declares in X-Amz-Content-Sha256 when
// Declare is set (as a usage upload must in strict mode). A SignedBody other
// than Body sends a body the signature does not cover.
type AdminCall struct {
	Method, URL, Body string
	Key, Secret       string
	Declare           bool
	SignedBody        string
}

// Request returns the HTTP request of c.
func (c AdminCall) Request(ctx context.Context) (*http.Request, error) {
	req, err := http.NewRequestWithContext(ctx, c.Method, c.URL, strings.NewReader(c.Body))
	if err != nil {
		return nil, err
	}
	signed := c.Body
	if c.SignedBody != "" {
		signed = c.SignedBody
	}
	sum := sha256.Sum256([]byte(signed))
	hash := hex.EncodeToString(sum[:])
	if c.Declare {
		req.Header.Set("X-Amz-Content-Sha256", hash)
	}
	if c.Key == "" {
		return req, nil
	}
	creds := aws.Credentials{AccessKeyID: c.Key, SecretAccessKey: c.Secret}
	return req, v4.NewSigner().SignHTTP(ctx, creds, req, hash, "billingconductor", "us-east-1", time.Now())
}
