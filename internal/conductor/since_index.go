package conductor

import "encoding/json"

// sinceIndex is an association index that answers reads from the period
// it was built at. A store written before the index existed builds it
// once, in the first write that needs it, from the records in force at
// that write's period; reads of earlier periods keep decoding the records
// (the fallback each user of an index keeps). Changes happen in the
// current period, so the index follows every change after its build.
type sinceIndex struct {
	name  string                                     // the kindIndexBuilt record, holding the period built at
	build func(tx Tx, payer string, at Period) error // writes the index from the records in force at period
}

// answers reports whether the index answers reads at period.
func (ix sinceIndex) answers(tx Tx, payer string, at Period) (bool, error) {
	data, ok, err := tx.Get(payer, kindIndexBuilt, ix.name, Timeless)
	if err != nil || !ok {
		return false, err
	}
	var built Period
	if err := json.Unmarshal(data, &built); err != nil {
		return false, err
	}
	return built <= at, nil
}

// ensure builds the index for payer if it is not built yet; every write
// that changes what the index follows calls it first.
func (ix sinceIndex) ensure(tx Tx, payer string, at Period) error {
	if _, ok, err := tx.Get(payer, kindIndexBuilt, ix.name, Timeless); err != nil || ok {
		return err
	}
	if err := ix.build(tx, payer, at); err != nil {
		return err
	}
	return putJSON(tx, payer, kindIndexBuilt, ix.name, Timeless, at)
}

// count returns the number of records of an index kind in force at
// period where the index answers then, or else what fallback counts from
// the records.
func (ix sinceIndex) count(tx Tx, payer, kind string, at Period, fallback func() (int, error)) (int, error) {
	indexed, err := ix.answers(tx, payer, at)
	if err != nil {
		return 0, err
	}
	if !indexed {
		return fallback()
	}
	return tx.Count(payer, kind, at)
}

// ids returns the ids of an index kind in force at period, ordered.
func ids(tx Tx, payer, kind string, at Period) ([]string, error) {
	recs, err := tx.List(payer, kind, at)
	out := make([]string, len(recs))
	for i, r := range recs {
		out[i] = r.ID
	}
	return out, err
}
