// Package s3test runs a real S3 protocol server, moto_server, for tests:
// Start it on a free loopback port, Upload folder trees to it, and point
// the SDK at it with Setenv.
package s3test

import (
	"bytes"
	"context"
	"errors"
	"fmt"
	"net"
	"net/http"
	"os"
	"os/exec"
	"path"
	"path/filepath"
	"strconv"
	"testing"
	"time"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/credentials"
	"github.com/aws/aws-sdk-go-v2/service/s3"
	"github.com/aws/aws-sdk-go-v2/service/s3/types"
)

// Start runs moto_server on a free loopback port until the test ends and
// returns its endpoint, "http://127.0.0.1:PORT". Without moto_server on
// PATH the test is skipped, saying what to install, unless the environment
// has PROFORMA_REQUIRE_S3=1: then it fails.
func Start(t testing.TB) (endpoint string) {
	t.Helper()
	bin, err := exec.LookPath("moto_server")
	if err != nil {
		const why = "moto_server not on PATH: pip install 'moto[server]'"
		if os.Getenv("PROFORMA_REQUIRE_S3") == "1" {
			t.Fatal(why + " (PROFORMA_REQUIRE_S3=1)")
		}
		t.Skip(why)
	}
	var last error
	for range 3 { // a port taken between probe and bind: try another
		endpoint, last = start(t, bin)
		if last == nil {
			return endpoint
		}
	}
	t.Fatalf("s3test: %v", last)
	return ""
}

// start runs one moto_server and waits until it answers HTTP.
func start(t testing.TB, bin string) (string, error) {
	port, err := freePort()
	if err != nil {
		return "", err
	}
	var out bytes.Buffer
	cmd := exec.Command(bin, "-H", "127.0.0.1", "-p", strconv.Itoa(port))
	cmd.Stdout, cmd.Stderr = &out, &out
	ownGroup(cmd)
	if err := cmd.Start(); err != nil {
		return "", err
	}
	exited := make(chan struct{})
	go func() { cmd.Wait(); close(exited) }()
	stop := func() { killGroup(cmd); <-exited }
	endpoint := "http://127.0.0.1:" + strconv.Itoa(port)
	if err := waitReady(endpoint, exited); err != nil {
		stop()
		return "", fmt.Errorf("%s: %w\n%s", bin, err, out.String())
	}
	t.Cleanup(stop)
	return endpoint, nil
}

func freePort() (int, error) {
	l, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		return 0, err
	}
	defer l.Close()
	return l.Addr().(*net.TCPAddr).Port, nil
}

// waitReady polls endpoint until any HTTP answer, the process exits, or 30 s pass.
func waitReady(endpoint string, exited <-chan struct{}) error {
	client := &http.Client{Timeout: time.Second}
	deadline := time.Now().Add(30 * time.Second)
	for time.Now().Before(deadline) {
		if resp, err := client.Get(endpoint + "/"); err == nil {
			resp.Body.Close()
			return nil
		}
		select {
		case <-exited:
			return errors.New("exited before answering")
		case <-time.After(100 * time.Millisecond):
		}
	}
	return errors.New("no answer within 30s")
}

// Setenv points the AWS SDK's default configuration at endpoint for the
// rest of the test, with test credentials and no shared config files.
func Setenv(t testing.TB, endpoint string) {
	t.Helper()
	dir := t.TempDir()
	for k, v := range map[string]string{
		"AWS_ENDPOINT_URL_S3":         endpoint,
		"AWS_ACCESS_KEY_ID":           "test",
		"AWS_SECRET_ACCESS_KEY":       "test",
		"AWS_SESSION_TOKEN":           "",
		"AWS_REGION":                  "us-east-1",
		"AWS_PROFILE":                 "",
		"AWS_CONFIG_FILE":             filepath.Join(dir, "config"),
		"AWS_SHARED_CREDENTIALS_FILE": filepath.Join(dir, "credentials"),
		"AWS_EC2_METADATA_DISABLED":   "true",
	} {
		t.Setenv(k, v)
	}
}

// Client is an S3 client for endpoint with test credentials.
func Client(endpoint string) *s3.Client {
	return s3.New(s3.Options{
		Region:       "us-east-1",
		BaseEndpoint: aws.String(endpoint),
		UsePathStyle: true,
		Credentials:  credentials.NewStaticCredentialsProvider("test", "test", ""),
	})
}

// Upload creates bucket (if it is not there) and uploads the regular
// files of the tree at localDir under prefix, keys joined with "/".
func Upload(t testing.TB, endpoint, bucket, localDir, prefix string) {
	t.Helper()
	ctx := context.Background()
	c := Client(endpoint)
	_, err := c.CreateBucket(ctx, &s3.CreateBucketInput{Bucket: aws.String(bucket)})
	var owned *types.BucketAlreadyOwnedByYou
	if err != nil && !errors.As(err, &owned) {
		t.Fatalf("s3test: create bucket %s: %v", bucket, err)
	}
	err = filepath.WalkDir(localDir, func(p string, d os.DirEntry, err error) error {
		if err != nil || !d.Type().IsRegular() {
			return err
		}
		rel, err := filepath.Rel(localDir, p)
		if err != nil {
			return err
		}
		return put(ctx, c, bucket, path.Join(prefix, filepath.ToSlash(rel)), p)
	})
	if err != nil {
		t.Fatalf("s3test: upload %s: %v", localDir, err)
	}
}

func put(ctx context.Context, c *s3.Client, bucket, key, file string) error {
	f, err := os.Open(file)
	if err != nil {
		return err
	}
	defer f.Close()
	_, err = c.PutObject(ctx, &s3.PutObjectInput{Bucket: aws.String(bucket), Key: aws.String(key), Body: f})
	if err != nil {
		return fmt.Errorf("put s3://%s/%s: %w", bucket, key, err)
	}
	return nil
}
