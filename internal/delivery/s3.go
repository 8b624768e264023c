package delivery

import (
	"context"
	"errors"
	"fmt"
	"io"
	"os"
	"path"
	"strings"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/config"
	"github.com/aws/aws-sdk-go-v2/service/s3"
	"github.com/aws/aws-sdk-go-v2/service/s3/types"
	"github.com/aws/smithy-go"
)

// s3Source is the objects of one bucket under a prefix. A prefix that does
// not end in "/" names one object when that key exists, else the folder
// prefix + "/" (so "s3://b/cur" never takes "cur-old/…").
type s3Source struct {
	arg      string
	bucket   string
	prefix   string
	client   *s3.Client
	pageSize int32 // keys per ListObjectsV2 page; 0: S3's default (1,000)
}

func openS3(ctx context.Context, arg string) (*s3Source, error) {
	bucket, prefix, _ := strings.Cut(strings.TrimPrefix(arg, "s3://"), "/")
	if bucket == "" {
		return nil, fmt.Errorf("delivery: %s: no bucket (want s3://bucket[/prefix])", arg)
	}
	cfg, err := config.LoadDefaultConfig(ctx)
	if err != nil {
		return nil, fmt.Errorf("delivery: %s: AWS configuration: %w", arg, err)
	}
	if cfg.Region == "" {
		cfg.Region = "us-east-1"
	}
	client := s3.NewFromConfig(cfg, func(o *s3.Options) {
		// BaseEndpoint is resolved from AWS_ENDPOINT_URL(_S3) before
		// options run; emulators serve buckets by path, not by host.
		if o.BaseEndpoint != nil {
			o.UsePathStyle = true
		}
		o.DisableLogOutputChecksumValidationSkipped = true
	})
	return &s3Source{arg: arg, bucket: bucket, prefix: prefix, client: client}, nil
}

func (s *s3Source) String() string { return s.arg }

func (s *s3Source) root() string { return s.prefix }

// List pages through ListObjectsV2. Folder markers (keys ending in "/")
// and hidden objects (a name below the prefix starting with ".") are left
// out, as cur.Files leaves out hidden files.
func (s *s3Source) List(ctx context.Context) ([]Object, error) {
	p := s3.NewListObjectsV2Paginator(s.client, &s3.ListObjectsV2Input{
		Bucket: aws.String(s.bucket),
		Prefix: aws.String(s.prefix),
	}, func(o *s3.ListObjectsV2PaginatorOptions) {
		if s.pageSize > 0 {
			o.Limit = s.pageSize
		}
	})
	var out []Object
	for p.HasMorePages() {
		page, err := p.NextPage(ctx)
		if err != nil {
			return nil, fmt.Errorf("delivery: listing %s: %w", s.arg, err)
		}
		for _, o := range page.Contents {
			key := aws.ToString(o.Key)
			if len(out) == 0 && s.isObject(key) {
				return []Object{s3Object(o)}, nil // the argument is one object
			}
			if s.under(key) {
				out = append(out, s3Object(o))
			}
		}
	}
	return out, nil
}

// isObject reports whether key is the prefix itself, naming one object.
func (s *s3Source) isObject(key string) bool {
	return key == s.prefix && key != "" && !strings.HasSuffix(key, "/")
}

// under reports whether key is a listable object of the folder source.
func (s *s3Source) under(key string) bool {
	rest := key
	if s.prefix != "" {
		dir := s.prefix
		if !strings.HasSuffix(dir, "/") {
			dir += "/"
		}
		var ok bool
		if rest, ok = strings.CutPrefix(key, dir); !ok {
			return false
		}
	}
	if rest == "" || strings.HasSuffix(rest, "/") {
		return false
	}
	for _, seg := range strings.Split(rest, "/") {
		if strings.HasPrefix(seg, ".") {
			return false
		}
	}
	return true
}

func s3Object(o types.Object) Object {
	return Object{
		Key:     aws.ToString(o.Key),
		Size:    aws.ToInt64(o.Size),
		ETag:    aws.ToString(o.ETag),
		ModTime: aws.ToTime(o.LastModified),
	}
}

func (s *s3Source) Open(ctx context.Context, key string) (io.ReadCloser, error) {
	return s.get(ctx, key, "")
}

// get opens an object; with etag set, only that version of it (S3 answers
// 412 Precondition Failed when the object changed since it was listed).
func (s *s3Source) get(ctx context.Context, key, etag string) (io.ReadCloser, error) {
	in := &s3.GetObjectInput{Bucket: aws.String(s.bucket), Key: aws.String(key)}
	if etag != "" {
		in.IfMatch = aws.String(etag)
	}
	out, err := s.client.GetObject(ctx, in)
	var api smithy.APIError
	if errors.As(err, &api) && api.ErrorCode() == "PreconditionFailed" {
		return nil, fmt.Errorf("delivery: s3://%s/%s changed since it was listed (ETag %s): resolve the source again: %w", s.bucket, key, etag, err)
	}
	if err != nil {
		return nil, fmt.Errorf("delivery: s3://%s/%s: %w", s.bucket, key, err)
	}
	return out.Body, nil
}

// Local streams the object (the version listed, by its ETag) into a
// temporary file named after it, so the reader can tell its format by the
// name. A short copy is an error: the file is never half there.
func (s *s3Source) Local(ctx context.Context, o Object) (string, func(), error) {
	body, err := s.get(ctx, o.Key, o.ETag)
	if err != nil {
		return "", nil, err
	}
	defer body.Close()
	f, err := os.CreateTemp("", "proforma-s3-*-"+tempName(o.Key))
	if err != nil {
		return "", nil, fmt.Errorf("delivery: s3://%s/%s: %w", s.bucket, o.Key, err)
	}
	cleanup := func() { os.Remove(f.Name()) }
	n, err := io.Copy(f, body)
	if cerr := f.Close(); err == nil {
		err = cerr
	}
	if err == nil && o.Size > 0 && n != o.Size {
		err = fmt.Errorf("got %d bytes, listed as %d", n, o.Size)
	}
	if err != nil {
		cleanup()
		return "", nil, fmt.Errorf("delivery: s3://%s/%s: %w", s.bucket, o.Key, err)
	}
	return f.Name(), cleanup, nil
}

// tempName is the tail of a key, safe as the end of a file name: letters,
// digits, '.', '-' and '_' kept, anything else '_', at most 80 bytes.
func tempName(key string) string {
	b := []byte(path.Base(key))
	if len(b) > 80 {
		b = b[len(b)-80:]
	}
	for i, c := range b {
		if !(c >= 'a' && c <= 'z' || c >= 'A' && c <= 'Z' || c >= '0' && c <= '9' || c == '.' || c == '-' || c == '_') {
			b[i] = '_'
		}
	}
	return string(b)
}
