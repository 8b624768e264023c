package delivery

import (
	"context"
	"encoding/json"
	"fmt"
	"io"
	"strings"
)

// maxManifest bounds how much of a manifest is read: real ones are tens of
// kilobytes (mostly the column list).
const maxManifest = 16 << 20

// manifest is what Resolve reads of a legacy CUR or Data Exports manifest;
// unknown fields are ignored.
type manifest struct {
	AssemblyID  string    `json:"assemblyId"`  // legacy
	Account     string    `json:"account"`     // legacy: the payer
	ReportKeys  *[]string `json:"reportKeys"`  // legacy: bucket keys of the current files
	ExecutionID string    `json:"executionId"` // Data Exports
	ExportArn   string    `json:"exportArn"`   // Data Exports: arn:aws:bcm-data-exports:REGION:PAYER:export/…
	DataFiles   *[]string `json:"dataFiles"`   // Data Exports: s3:// URIs of the current files
}

// decided is a manifest read for its place: the version, payer and the
// files it names (as bucket keys).
type decided struct {
	version string
	payer   string
	files   []string
}

// readManifest reads and checks the manifest at key, of the kind its
// place says. Errors name the manifest.
func readManifest(ctx context.Context, s Source, key, kind string) (decided, error) {
	m, err := decodeManifest(ctx, s, key)
	if err != nil {
		return decided{}, fmt.Errorf("delivery: manifest %s: %w", key, err)
	}
	d, err := m.decided(kind)
	if err != nil {
		return decided{}, fmt.Errorf("delivery: manifest %s is malformed: %w", key, err)
	}
	return d, nil
}

func decodeManifest(ctx context.Context, s Source, key string) (*manifest, error) {
	rc, err := s.Open(ctx, key)
	if err != nil {
		return nil, err
	}
	defer rc.Close()
	b, err := io.ReadAll(io.LimitReader(rc, maxManifest+1))
	if err != nil {
		return nil, err
	}
	if len(b) > maxManifest {
		return nil, fmt.Errorf("larger than %d MiB: not a manifest", maxManifest>>20)
	}
	var m manifest
	if err := json.Unmarshal(b, &m); err != nil {
		return nil, fmt.Errorf("malformed: %w", err)
	}
	return &m, nil
}

// decided checks the fields kind needs and returns them.
func (m *manifest) decided(kind string) (decided, error) {
	if kind == KindCUR {
		if m.ReportKeys == nil {
			return decided{}, fmt.Errorf("no reportKeys")
		}
		payer, err := accountID(m.Account, "account")
		return decided{m.AssemblyID, payer, *m.ReportKeys}, err
	}
	if m.DataFiles == nil {
		return decided{}, fmt.Errorf("no dataFiles")
	}
	payer, err := arnAccount(m.ExportArn)
	if err != nil {
		return decided{}, err
	}
	keys := make([]string, len(*m.DataFiles))
	for i, uri := range *m.DataFiles {
		if keys[i], err = uriKey(uri); err != nil {
			return decided{}, err
		}
	}
	return decided{m.ExecutionID, payer, keys}, nil
}

// arnAccount is the account of an export ARN, "" when there is no ARN.
func arnAccount(arn string) (string, error) {
	if arn == "" {
		return "", nil
	}
	parts := strings.SplitN(arn, ":", 6)
	if len(parts) != 6 || parts[0] != "arn" {
		return "", fmt.Errorf("exportArn %q is not an ARN", arn)
	}
	return accountID(parts[4], "exportArn account")
}

// accountID checks a 12-digit account ID; "" stays "" (no payer named).
func accountID(id, field string) (string, error) {
	if id != "" && (len(id) != 12 || !digits(id)) {
		return "", fmt.Errorf("%s %q is not a 12-digit account ID", field, id)
	}
	return id, nil
}

// uriKey is the object key of an s3://bucket/key URI.
func uriKey(uri string) (string, error) {
	rest, ok := strings.CutPrefix(uri, "s3://")
	_, key, found := strings.Cut(rest, "/")
	if !ok || !found || key == "" {
		return "", fmt.Errorf("dataFiles entry %q is not an s3://bucket/key URI", uri)
	}
	return key, nil
}
