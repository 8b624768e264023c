package usage

import (
	"context"
	"errors"
	"fmt"
	"io"

	"github.com/proforma-dev/proforma/internal/cur"
	"github.com/proforma-dev/proforma/internal/delivery"
)

// OpenDeliveries opens each path as a source (a local path or an s3://
// prefix) and resolves what its manifests decide. Files of a folder that
// are not CURs, such as a FOCUS export next to the reports, are left out
// with a notice on notices naming each and why; a file named explicitly is
// never left out: one that is not a CUR fails the import.
func OpenDeliveries(ctx context.Context, paths []string, notices io.Writer) ([]Delivery, error) {
	var out []Delivery
	for _, p := range paths {
		src, err := delivery.OpenSource(ctx, p)
		if err != nil {
			return nil, err
		}
		plan, err := delivery.Resolve(ctx, src)
		if err != nil {
			return nil, err
		}
		for _, s := range plan.Skipped {
			why := "its header has no CUR column"
			if errors.Is(s.Reason, cur.ErrFOCUS) {
				why = "a FOCUS export (FinOps Open Cost and Usage Specification)"
			}
			fmt.Fprintf(notices, "proforma: skipped %s: not a Cost and Usage Report (%s)\n", s.Object.Key, why)
		}
		if len(plan.Loose) == 0 && len(plan.Periods) == 0 {
			switch n := len(plan.Skipped); n {
			case 0:
				return nil, fmt.Errorf("%s: no CUR data files (.csv, .csv.gz, .gz, .zip, .parquet) in the folder: %w", p, ErrNoLines)
			case 1:
				return nil, fmt.Errorf("%s: no CUR data files in the folder (skipped 1 file that is not a CUR): %w", p, ErrNoLines)
			default:
				return nil, fmt.Errorf("%s: no CUR data files in the folder (skipped %d files that are not CURs): %w", p, n, ErrNoLines)
			}
		}
		out = append(out, Delivery{Source: src, Plan: plan})
	}
	return out, nil
}
