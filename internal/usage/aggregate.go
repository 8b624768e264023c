package usage

import (
	"bytes"
	"encoding/gob"
	"strings"

	"github.com/proforma-dev/proforma/internal/conductor"
	"github.com/proforma-dev/proforma/internal/cur"
	"github.com/proforma-dev/proforma/internal/pricing"
	"github.com/shopspring/decimal"
)

// key is what makes CUR lines price alike: every field a rule of
// PROFORMA.md looks at, with the choices the rules make per line (is it
// free tier, has it a public cost (pricing.HasPublicCost), is that cost
// zero or of which sign) made before summing. With those fixed every rule is linear in the amounts, so the
// pro forma of a sum of lines with one key is the sum of their pro formas
// — exactly, custom tiers included (their slices add up).
type key struct {
	period                                conductor.Period
	account, entity, lineItemType         string
	productCode, serviceCode, productName string
	usageType, operation                  string
	savingsPlanARN, reservationARN        string
	rate                                  string // public on-demand rate; "" when absent
	public                                publicState
	freeTier                              bool
}

// publicState is what the rules tell apart in pricing/publicOnDemandCost.
type publicState uint8

const (
	publicAbsent publicState = iota // no public cost (pricing.HasPublicCost): base = unblended (rule 4)
	publicZero
	publicPositive
	publicNegative
)

// publicStateOf tells a line's public cost state, as pricing sees it.
func publicStateOf(l *pricing.Line) publicState {
	d := l.PublicOnDemandCost
	switch {
	case !pricing.HasPublicCost(l):
		return publicAbsent
	case d.Decimal.IsZero():
		return publicZero
	case d.Decimal.IsPositive():
		return publicPositive
	}
	return publicNegative
}

// sums are the amounts of the lines of one key.
type sums struct{ usage, unblended, public decimal.Decimal }

// aggregator sums lines per key.
type aggregator struct {
	sums  map[key]*sums
	order []key // first-seen order, so encoding is deterministic
}

func newAggregator() *aggregator { return &aggregator{sums: map[key]*sums{}} }

// add sums one record in; the line is what pricing sees of it.
func (a *aggregator) add(rec *cur.Record, line *pricing.Line) {
	k := key{
		period: line.BillingPeriod, account: rec.UsageAccountID, entity: rec.BillingEntity,
		lineItemType: rec.LineItemType, productCode: rec.ProductCode, serviceCode: rec.ServiceCode,
		productName: rec.ProductName, usageType: rec.UsageType, operation: rec.Operation,
		savingsPlanARN: rec.SavingsPlanARN, reservationARN: rec.ReservationARN,
		public: publicStateOf(line), freeTier: pricing.IsFreeTier(line),
	}
	if rec.PublicOnDemandRate.Valid {
		k.rate = rec.PublicOnDemandRate.Decimal.String()
	}
	s := a.sums[k]
	if s == nil {
		k = k.clone()
		s = &sums{}
		a.sums[k] = s
		a.order = append(a.order, k)
	}
	s.usage = s.usage.Add(rec.UsageAmount)
	s.unblended = s.unblended.Add(rec.UnblendedCost)
	if k.public != publicAbsent {
		s.public = s.public.Add(rec.PublicOnDemandCost.Decimal)
	}
}

// clone copies the strings, which point into a CUR row's text otherwise.
func (k key) clone() key {
	for _, s := range []*string{&k.account, &k.entity, &k.lineItemType, &k.productCode, &k.serviceCode,
		&k.productName, &k.usageType, &k.operation, &k.savingsPlanARN, &k.reservationARN, &k.rate} {
		*s = strings.Clone(*s)
	}
	return k
}

// encoded is the stored form of a period's aggregates: a string table and
// rows of indexes into it, then the amounts as decimal text.
type encoded struct {
	Strings []string
	Rows    []encodedRow
}

type encodedRow struct {
	Text                      [11]uint32 // account … rate, in key order, as string table indexes
	Public                    uint8
	FreeTier                  bool
	Usage, Unblended, PubCost string
}

// encode serializes the aggregates of one period.
func (a *aggregator) encode(p conductor.Period) ([]byte, int, error) {
	var e encoded
	index := map[string]uint32{}
	intern := func(s string) uint32 {
		i, ok := index[s]
		if !ok {
			i = uint32(len(e.Strings))
			index[s] = i
			e.Strings = append(e.Strings, s)
		}
		return i
	}
	for _, k := range a.order {
		if k.period != p {
			continue
		}
		s := a.sums[k]
		var r encodedRow
		for i, text := range k.texts() {
			r.Text[i] = intern(text)
		}
		r.Public, r.FreeTier = uint8(k.public), k.freeTier
		r.Usage, r.Unblended, r.PubCost = s.usage.String(), s.unblended.String(), s.public.String()
		e.Rows = append(e.Rows, r)
	}
	var buf bytes.Buffer
	err := gob.NewEncoder(&buf).Encode(&e)
	return buf.Bytes(), len(e.Rows), err
}

func (k *key) texts() [11]string {
	return [11]string{k.account, k.entity, k.lineItemType, k.productCode, k.serviceCode, k.productName,
		k.usageType, k.operation, k.savingsPlanARN, k.reservationARN, k.rate}
}

// decodeLines turns stored aggregates back into lines for the calculator.
func decodeLines(data []byte, p conductor.Period) ([]pricing.Line, error) {
	var e encoded
	if err := gob.NewDecoder(bytes.NewReader(data)).Decode(&e); err != nil {
		return nil, err
	}
	lines := make([]pricing.Line, len(e.Rows))
	for i, r := range e.Rows {
		t := func(j int) string { return e.Strings[r.Text[j]] }
		l := pricing.Line{
			BillingPeriod: p, UsageAccount: t(0), BillingEntity: t(1), LineItemType: t(2), ProductCode: t(3),
			ServiceCode: t(4), ProductName: t(5), UsageType: t(6), Operation: t(7),
			SavingsPlanARN: t(8), ReservationARN: t(9), FreeTier: pricing.NotFreeTier,
		}
		if r.FreeTier {
			l.FreeTier = pricing.FreeTierUsage
		}
		var err error
		if l.UsageAmount, err = decimal.NewFromString(r.Usage); err != nil {
			return nil, err
		}
		if l.UnblendedCost, err = decimal.NewFromString(r.Unblended); err != nil {
			return nil, err
		}
		if publicState(r.Public) != publicAbsent {
			d, err := decimal.NewFromString(r.PubCost)
			if err != nil {
				return nil, err
			}
			l.PublicOnDemandCost = decimal.NewNullDecimal(d)
		}
		if rate := t(10); rate != "" {
			d, err := decimal.NewFromString(rate)
			if err != nil {
				return nil, err
			}
			l.PublicOnDemandRate = decimal.NewNullDecimal(d)
		}
		lines[i] = l
	}
	return lines, nil
}

// lineOf maps a CUR record onto the engine's line (no copies: the strings
// point into the record's row).
func lineOf(rec *cur.Record, p conductor.Period) pricing.Line {
	return pricing.Line{
		BillingPeriod: p, UsageAccount: rec.UsageAccountID, BillingEntity: rec.BillingEntity,
		LineItemType: rec.LineItemType, ProductCode: rec.ProductCode, ServiceCode: rec.ServiceCode,
		ProductName: rec.ProductName, UsageType: rec.UsageType, Operation: rec.Operation,
		UsageAmount: rec.UsageAmount, UnblendedCost: rec.UnblendedCost,
		PublicOnDemandCost: rec.PublicOnDemandCost, PublicOnDemandRate: rec.PublicOnDemandRate,
		LineItemDescription: rec.Description, SavingsPlanARN: rec.SavingsPlanARN, ReservationARN: rec.ReservationARN,
	}
}
