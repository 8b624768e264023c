package usage

import (
	"bytes"
	"encoding/binary"
	"encoding/gob"
	"errors"
	"fmt"
	"math"
	"math/big"
	"strings"
	"unsafe"

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
	order []key   // first-seen order, so encoding is deterministic
	of    []*sums // the sums of order's keys
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
		a.of = append(a.of, s)
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

// encodedAccounts is the stored form of a period's aggregates since
// aggregates are kept per usage account (layoutAccounts): one blob per
// account that has lines, each holding that account's aggregates in the
// binary form of appendAccount.
type encodedAccounts struct {
	blobs map[string][]byte // by usage account
	rows  int               // aggregates in all
}

// encodeAccounts serializes the aggregates of one period, one blob per
// usage account. Each row carries its position among the period's rows in
// first-seen order (the order of the single blob of layoutPeriod), so
// that a group's lines are priced in the same order whatever its accounts.
func (a *aggregator) encodeAccounts(p conductor.Period) encodedAccounts {
	byAccount := map[string][]int{} // account → its rows' seqs
	var rows []int                  // seq → index in order
	for i := range a.order {
		if k := &a.order[i]; k.period == p {
			byAccount[k.account] = append(byAccount[k.account], len(rows))
			rows = append(rows, i)
		}
	}
	out := encodedAccounts{blobs: make(map[string][]byte, len(byAccount)), rows: len(rows)}
	for account, seqs := range byAccount {
		out.blobs[account] = a.appendAccount(rows, seqs)
	}
	return out
}

// accountFormat is the first byte of an account's aggregates blob.
const accountFormat = 1

// appendAccount encodes the rows seqs (ascending) of one account; rows
// maps a seq to its index in a.order:
//
//	byte accountFormat
//	uvarint n, then n strings (uvarint length, bytes): the string table
//	uvarint rows, then per row:
//	  uvarint seq − previous seq (the first: seq)
//	  9 uvarints: string table indexes of the key's entity, line item type, product
//	    code, service code, product name, usage type, operation, Savings Plan ARN
//	    and reservation ARN
//	  byte flags: publicState in bits 0–1, free tier in bit 2, a public rate in bit 3
//	  decimals (see appendDecimal): usage, unblended, the public cost unless
//	  publicAbsent, the public rate if any (key.rate parsed: what the line had)
func (a *aggregator) appendAccount(rows, seqs []int) []byte {
	var strs []string
	size := 0
	index := map[string]uint64{}
	var last [9]string // per field, the last string and its index: rows of an account repeat them
	var lastIndex [9]uint64
	var has [9]bool
	intern := func(j int, s string) uint64 {
		if has[j] && s == last[j] {
			return lastIndex[j]
		}
		i, ok := index[s]
		if !ok {
			i = uint64(len(strs))
			index[s] = i
			strs = append(strs, s)
			size += len(s) + binary.MaxVarintLen32
		}
		last[j], lastIndex[j], has[j] = s, i, true
		return i
	}
	body := make([]byte, 0, 40*len(seqs))
	body = binary.AppendUvarint(body, uint64(len(seqs)))
	prev := 0
	for _, seq := range seqs {
		k := &a.order[rows[seq]]
		body = binary.AppendUvarint(body, uint64(seq-prev))
		prev = seq
		for j, t := range [9]string{k.entity, k.lineItemType, k.productCode, k.serviceCode, k.productName,
			k.usageType, k.operation, k.savingsPlanARN, k.reservationARN} {
			body = binary.AppendUvarint(body, intern(j, t))
		}
		flags := byte(k.public)
		if k.freeTier {
			flags |= 4
		}
		if k.rate != "" {
			flags |= 8
		}
		body = append(body, flags)
		s := a.of[rows[seq]]
		body = appendDecimal(body, s.usage)
		body = appendDecimal(body, s.unblended)
		if k.public != publicAbsent {
			body = appendDecimal(body, s.public)
		}
		if k.rate != "" {
			body = appendDecimal(body, decimal.RequireFromString(k.rate)) // the String of a decimal
		}
	}
	b := make([]byte, 0, 1+binary.MaxVarintLen64+size+len(body))
	b = append(b, accountFormat)
	b = binary.AppendUvarint(b, uint64(len(strs)))
	for _, s := range strs {
		b = binary.AppendUvarint(b, uint64(len(s)))
		b = append(b, s...)
	}
	return append(b, body...)
}

// appendDecimal encodes a decimal exactly: varint exponent, then a tag
// byte — 0: varint coefficient; 1 or 2: a positive or negative coefficient
// too large for 64 bits, as uvarint length and big-endian magnitude.
func appendDecimal(b []byte, d decimal.Decimal) []byte {
	b = binary.AppendVarint(b, int64(d.Exponent()))
	c := d.Coefficient()
	if c.IsInt64() {
		return binary.AppendVarint(append(b, 0), c.Int64())
	}
	tag := byte(1)
	if c.Sign() < 0 {
		tag = 2
	}
	mag := c.Abs(c).Bytes()
	b = binary.AppendUvarint(append(b, tag), uint64(len(mag)))
	return append(b, mag...)
}

// accountLines are the decoded aggregates of one usage account in a period.
type accountLines struct {
	lines []pricing.Line
	seqs  []uint32 // each line's position in the period's first-seen order, ascending
	bytes int64    // estimated memory held, for the engine's cache
}

// lineBytes estimates the memory of one decoded line: the struct, its
// position and the big.Int of each of its (up to three) own decimals.
const lineBytes = int64(unsafe.Sizeof(pricing.Line{})) + 4 + 3*decimalBytes

// decimalBytes estimates a decoded decimal's heap: a big.Int and one word.
const decimalBytes = 48

// errCorrupt reports an account blob that does not decode.
var errCorrupt = errors.New("corrupt aggregates")

// decodeAccount decodes an account's blob (see appendAccount). The string
// table becomes one string that the lines' strings share, and equal rates
// one decimal.
func decodeAccount(data []byte, p conductor.Period, account string) (*accountLines, error) {
	d := decoder{data: data}
	if d.byte() != accountFormat {
		return nil, fmt.Errorf("%w: unknown format", errCorrupt)
	}
	n := d.uvarint()
	if n > uint64(len(data)) {
		return nil, errCorrupt
	}
	type span struct{ from, to int }
	spans := make([]span, n)
	start := len(data) - len(d.data)
	for i := range spans {
		size := d.uvarint()
		from := len(data) - len(d.data)
		d.bytes(size)
		spans[i] = span{from - start, from - start + int(size)}
	}
	if d.err != nil {
		return nil, d.err
	}
	table := string(data[start : len(data)-len(d.data)])
	strs := make([]string, n)
	for i, sp := range spans {
		strs[i] = table[sp.from:sp.to]
	}
	out := &accountLines{bytes: 64 + int64(len(table)) + 16*int64(n)}
	rows := d.uvarint()
	if rows > uint64(len(data)) {
		return nil, errCorrupt
	}
	out.lines = make([]pricing.Line, rows)
	out.seqs = make([]uint32, rows)
	out.bytes += int64(rows) * lineBytes
	rates := map[decimalKey]decimal.NullDecimal{}
	seq := uint64(0)
	for i := range out.lines {
		seq += d.uvarint()
		var t [9]string
		for j := range t {
			k := d.uvarint()
			if k >= n {
				return nil, errCorrupt
			}
			t[j] = strs[k]
		}
		flags := d.byte()
		l := pricing.Line{
			BillingPeriod: p, UsageAccount: account, BillingEntity: t[0], LineItemType: t[1], ProductCode: t[2],
			ServiceCode: t[3], ProductName: t[4], UsageType: t[5], Operation: t[6],
			SavingsPlanARN: t[7], ReservationARN: t[8], FreeTier: pricing.NotFreeTier,
		}
		if flags&4 != 0 {
			l.FreeTier = pricing.FreeTierUsage
		}
		l.UsageAmount = d.decimal()
		l.UnblendedCost = d.decimal()
		if publicState(flags&3) != publicAbsent {
			l.PublicOnDemandCost = decimal.NewNullDecimal(d.decimal())
		}
		if flags&8 != 0 {
			k, small := d.decimalKey()
			if r, ok := rates[k]; ok && small {
				l.PublicOnDemandRate = r
				d.skipDecimal()
			} else {
				l.PublicOnDemandRate = decimal.NewNullDecimal(d.decimal())
				if small {
					rates[k] = l.PublicOnDemandRate
					out.bytes += decimalBytes
				}
			}
		}
		if d.err != nil {
			return nil, d.err
		}
		out.lines[i], out.seqs[i] = l, uint32(seq)
	}
	if d.err == nil && len(d.data) != 0 {
		d.err = fmt.Errorf("%w: trailing bytes", errCorrupt)
	}
	return out, d.err
}

// decimalKey identifies a decimal of at most 64-bit coefficient.
type decimalKey struct {
	exp, coef int64
}

// decoder reads appendAccount's encoding; the first error sticks.
type decoder struct {
	data []byte
	err  error
}

func (d *decoder) fail() {
	if d.err == nil {
		d.err = fmt.Errorf("%w: truncated", errCorrupt)
	}
	d.data = nil
}

func (d *decoder) byte() byte {
	if len(d.data) == 0 {
		d.fail()
		return 0
	}
	b := d.data[0]
	d.data = d.data[1:]
	return b
}

func (d *decoder) uvarint() uint64 {
	v, n := binary.Uvarint(d.data)
	if n <= 0 {
		d.fail()
		return 0
	}
	d.data = d.data[n:]
	return v
}

func (d *decoder) varint() int64 {
	v, n := binary.Varint(d.data)
	if n <= 0 {
		d.fail()
		return 0
	}
	d.data = d.data[n:]
	return v
}

func (d *decoder) bytes(n uint64) []byte {
	if n > uint64(len(d.data)) {
		d.fail()
		return nil
	}
	b := d.data[:n]
	d.data = d.data[n:]
	return b
}

// decimalKey peeks at the next decimal: its key, and whether it is small
// (a 64-bit coefficient) so that the key identifies it.
func (d *decoder) decimalKey() (decimalKey, bool) {
	peek := decoder{data: d.data}
	exp := peek.varint()
	if peek.byte() != 0 || peek.err != nil {
		return decimalKey{}, false
	}
	return decimalKey{exp, peek.varint()}, peek.err == nil
}

// skipDecimal skips the next decimal.
func (d *decoder) skipDecimal() {
	d.varint()
	switch d.byte() {
	case 0:
		d.varint()
	case 1, 2:
		d.bytes(d.uvarint())
	default:
		d.fail()
	}
}

func (d *decoder) decimal() decimal.Decimal {
	exp := d.varint()
	if exp < math.MinInt32 || exp > math.MaxInt32 {
		d.fail()
		return decimal.Zero
	}
	switch tag := d.byte(); tag {
	case 0:
		return decimal.New(d.varint(), int32(exp))
	case 1, 2:
		c := new(big.Int).SetBytes(d.bytes(d.uvarint()))
		if tag == 2 {
			c.Neg(c)
		}
		return decimal.NewFromBigInt(c, int32(exp))
	}
	d.fail()
	return decimal.Zero
}

// encoded is the stored form of a period's aggregates in layoutPeriod,
// written by imports made before aggregates were kept per account: a
// string table and rows of indexes into it, then the amounts as decimal
// text, gob-encoded. The engine still reads it (see Engine).
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

// decodeLines turns aggregates stored in layoutPeriod back into lines for
// the calculator, in their stored (first-seen) order.
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
