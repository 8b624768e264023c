package usage

import (
	"context"
	"fmt"
	"strings"

	"github.com/proforma-dev/proforma/internal/conductor"
	"github.com/proforma-dev/proforma/internal/delivery"
)

// SourceVersion is the delivery version a period was imported from,
// stored on its manifest so that a later import of the same source can
// tell the period unchanged.
type SourceVersion struct {
	Source      string // the source as the user named it
	Manifest    string // the manifest that decided the period's files
	Version     string // its assembly or execution ID
	Fingerprint string // delivery.PeriodPlan.Fingerprint
}

// Delivery is a source and what its manifests decided (delivery.Resolve).
type Delivery struct {
	Source delivery.Source
	Plan   *delivery.Plan
}

// Decision is a period a manifest decided, and whether the import left it
// as it was.
type Decision struct {
	Source string
	delivery.PeriodPlan
	// Unchanged: the stored period came from this version with these
	// files, so it was not read again.
	Unchanged bool
}

// ImportDeliveries imports what the deliveries' plans take, as Import
// does, in one atomic commit: every loose file, and for each period a
// manifest decides its current files — unless the payer's stored period
// was imported from the same version with the same files (its
// fingerprint), which is left as it is and reported Unchanged. The payer
// of that comparison is the Importer's, else the one the manifest names;
// with neither the period is imported. When nothing is left to read the
// summary lists the decisions only.
func (im *Importer) ImportDeliveries(ctx context.Context, ds ...Delivery) (*Summary, error) {
	var inputs []Input
	var decided []Decision
	versions := map[conductor.Period]SourceVersion{}
	seen := map[string]bool{}
	add := func(src delivery.Source, objs []delivery.Object) {
		for _, o := range objs {
			in := input(src, o)
			if !seen[in.Name] {
				seen[in.Name] = true
				inputs = append(inputs, in)
			}
		}
	}
	for _, d := range ds {
		add(d.Source, d.Plan.Loose)
		for _, pp := range d.Plan.Periods {
			v := SourceVersion{Source: d.Plan.Source, Manifest: pp.Manifest, Version: pp.Version, Fingerprint: pp.Fingerprint}
			same, err := im.unchanged(ctx, pp, v)
			if err != nil {
				return nil, err
			}
			decided = append(decided, Decision{Source: d.Plan.Source, PeriodPlan: pp, Unchanged: same})
			if !same {
				versions[conductor.Period(pp.Period)] = v
				add(d.Source, pp.Files)
			}
		}
	}
	if len(inputs) == 0 {
		if len(decided) == 0 {
			return nil, fmt.Errorf("no files given: %w", ErrNoLines)
		}
		return &Summary{Payer: im.Payer, Decided: decided}, nil
	}
	sum, err := im.importInputs(ctx, sourceNames(ds), inputs, versions)
	if err != nil {
		return nil, err
	}
	sum.Decided = decided
	return sum, nil
}

// unchanged reports whether the payer's stored period came from version
// v, told by its fingerprint (the version and its files).
func (im *Importer) unchanged(ctx context.Context, pp delivery.PeriodPlan, v SourceVersion) (bool, error) {
	payer := im.Payer
	if payer == "" {
		payer = pp.Payer
	}
	if payer == "" || v.Fingerprint == "" {
		return false, nil
	}
	var same bool
	err := im.Store.View(ctx, func(tx conductor.Tx) error {
		m, ok, err := loadManifest(tx, payer, conductor.Period(pp.Period))
		same = ok && m.Source.Fingerprint == v.Fingerprint
		return err
	})
	return same, err
}

// input is an object of a source as an import input.
func input(src delivery.Source, o delivery.Object) Input {
	name := o.Key
	if s := src.String(); strings.HasPrefix(s, "s3://") {
		name = "s3://" + bucketOf(s) + "/" + o.Key
	}
	return Input{Name: name, Size: o.Size, Local: func(ctx context.Context) (string, func(), error) {
		return src.Local(ctx, o)
	}}
}

// bucketOf is the bucket of an s3:// URI.
func bucketOf(uri string) string {
	b, _, _ := strings.Cut(strings.TrimPrefix(uri, "s3://"), "/")
	return b
}

// sourceNames names the deliveries for an error.
func sourceNames(ds []Delivery) string {
	names := make([]string, len(ds))
	for i, d := range ds {
		names[i] = d.Plan.Source
	}
	return strings.Join(names, ", ")
}
