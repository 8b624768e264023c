// Package delivery decides which files of a CUR delivery are current, read
// from a local folder or an S3 prefix.
//
// AWS keeps every version of a billing period it delivered; the manifest of
// the period names the files of the current one. The layouts, as confirmed
// against the AWS Data Exports user guide ("Understanding your report
// versions", understanding-report-versions.html; "Understanding export
// delivery", dataexports-export-delivery.html; "Data Exports manifest file
// reference", dataexports-manifest.html):
//
//   - Legacy CUR, create new report versions:
//     <prefix>/<report>/yyyymmdd-yyyymmdd/<assemblyId>/<report>-<n>.csv.<zip|gz>,
//     with <report>-Manifest.json in the yyyymmdd-yyyymmdd folder (a new
//     one with each update) and a copy in each assembly folder; its
//     reportKeys are the bucket keys of the current files. With overwrite
//     versioning the data files sit in the period folder itself.
//   - Data Exports (CUR 2.0): data under
//     <prefix>/<export>/data/BILLING_PERIOD=YYYY-MM/ (create new: one
//     <executionTime>-<executionId> subfolder per execution), the manifest
//     at <prefix>/<export>/metadata/BILLING_PERIOD=YYYY-MM/<export>-Manifest.json,
//     updated with each refresh; its dataFiles are full s3:// URIs, and its
//     executionId is the one in the create-new delivery path.
//
// Not confirmed from the docs, taken from the brief and handled loosely:
// manifest copies in execution subfolders of metadata/ (a copy decides only
// when the period-level manifest is not listed).
package delivery

import (
	"context"
	"io"
	"strings"
	"time"
)

// Object is a file of a source.
type Object struct {
	Key     string // for S3 the object key; for a local source the file's path (as cur.Files gives it)
	Size    int64
	ETag    string // S3's ETag, as S3 sends it (quoted); "" for local files
	ModTime time.Time
}

// Source is where a delivery is read from: a local folder/file or an S3 prefix.
type Source interface {
	// String is the argument as the user wrote it, for messages:
	// "s3://bucket/prefix" or the path.
	String() string
	// List returns every object under the source (recursive), sorted by key.
	List(ctx context.Context) ([]Object, error)
	// Open streams one object by key.
	Open(ctx context.Context, key string) (io.ReadCloser, error)
	// Local makes an object a local file for the CUR reader (which needs
	// random access for Parquet/zip): a local source returns the path
	// itself and a no-op cleanup; S3 streams the object into a temporary
	// file (memory flat, deleted by cleanup).
	Local(ctx context.Context, o Object) (path string, cleanup func(), err error)
}

// OpenSource parses an import argument: "s3://bucket[/prefix]" is S3,
// anything else a local path (which must exist).
//
// S3 is configured by aws-sdk-go-v2/config LoadDefaultConfig: the standard
// credential chain and region (us-east-1 when none is configured), and
// AWS_ENDPOINT_URL_S3 / AWS_ENDPOINT_URL, which the SDK honours; with a
// custom endpoint, addressing is path-style so that moto and MinIO work.
func OpenSource(ctx context.Context, arg string) (Source, error) {
	if strings.HasPrefix(arg, "s3://") {
		return openS3(ctx, arg)
	}
	return openLocal(arg)
}

// rooted is a source that knows the one key a file argument lists as.
type rooted interface {
	root() string
}

// laidOut is a source whose keys the layout rules read in another form:
// a local source's relative paths are read made absolute, so that a
// folder given as "." inside a period folder still shows that folder.
type laidOut interface {
	layoutKey(key string) string
}

// sniffer is a source that can tell a loose data file that is not a CUR.
type sniffer interface {
	notCUR(o Object) error
}
