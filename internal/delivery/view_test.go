package delivery

import (
	"errors"

	"github.com/proforma-dev/proforma/internal/cur"
)

// planView is a Plan with keys made relative, for comparing sources.
type planView struct {
	Periods []periodView
	Loose   []string
	Skipped []string
}

type periodView struct {
	Period, Kind, Manifest, Version, Payer string
	Files, Left                            []string
}

// view renders plan with every key passed through rel.
func view(plan *Plan, rel func(string) string) planView {
	var v planView
	for _, p := range plan.Periods {
		v.Periods = append(v.Periods, periodView{
			Period: p.Period, Kind: p.Kind, Manifest: rel(p.Manifest), Version: p.Version, Payer: p.Payer,
			Files: relKeys(p.Files, rel), Left: relKeys(p.Left, rel),
		})
	}
	v.Loose = relKeys(plan.Loose, rel)
	for _, s := range plan.Skipped {
		why := "not CUR"
		if errors.Is(s.Reason, cur.ErrFOCUS) {
			why = "FOCUS"
		}
		v.Skipped = append(v.Skipped, rel(s.Object.Key)+" ("+why+")")
	}
	return v
}

func relKeys(objs []Object, rel func(string) string) []string {
	var out []string
	for _, o := range objs {
		out = append(out, rel(o.Key))
	}
	return out
}

// legacyWant is the plan of legacyTree seen from above the report.
func legacyWant() periodView {
	return periodView{
		Period: "2018-11", Kind: KindCUR, Manifest: period + "/report-Manifest.json",
		Version: asmNew, Payer: "123456789012",
		Files: []string{period + "/" + asmNew + "/report-1.csv", period + "/" + asmNew + "/report-2.csv"},
		Left:  []string{period + "/" + asmOld + "/report-1.csv.gz"},
	}
}

// exportsWant is the plan of exportsTree.
func exportsWant() periodView {
	return periodView{
		Period: "2024-01", Kind: KindExports, Manifest: expMeta + "/daily-Manifest.json",
		Version: "e2", Payer: "210987654321",
		Files: []string{expData + "/" + execNew + "/daily-00001.csv.gz"},
		Left:  []string{expData + "/" + execOld + "/daily-00001.csv.gz"},
	}
}
