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
	// rate is a free-tier line's public on-demand rate, the only rate whose
	// value pricing reads (a deactivated free tier costs rate × usage); of
	// other lines it reads whether they have one (pricing.HasPublicCost),
	// which rated tells, so their lines aggregate whatever their rates.
	rate     string
	rated    bool
	public   publicState
	freeTier bool
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

// sums are the amounts of the lines of one key, and the public rate of
// its first line when it is rated (for a free-tier key, its rate).
type sums struct {
	usage, unblended, public pricing.Sum
	rate                     decimal.Decimal
}

// aggregator sums lines per key.
type aggregator struct {
	// index finds a key's place in order and of by the key's bytes
	// (appendKey): one hash and one comparison of a short string per line,
	// rather than of each of the key's strings.
	index map[string]int32
	order []key   // first-seen order, so encoding is deterministic
	of    []*sums // the sums of order's keys
	buf   []byte  // the key bytes of the line being added
}

func newAggregator() *aggregator { return &aggregator{index: map[string]int32{}} }

// add sums one record in; the line is what pricing sees of it.
func (a *aggregator) add(rec *cur.Record, line *pricing.Line) {
	k := key{
		period: line.BillingPeriod, account: rec.UsageAccountID, entity: rec.BillingEntity,
		lineItemType: rec.LineItemType, productCode: rec.ProductCode, serviceCode: rec.ServiceCode,
		productName: rec.ProductName, usageType: rec.UsageType, operation: rec.Operation,
		savingsPlanARN: rec.SavingsPlanARN, reservationARN: rec.ReservationARN,
		public: publicStateOf(line), freeTier: pricing.IsFreeTier(line),
	}
	if k.rated = rec.PublicOnDemandRate.Valid; k.rated && k.freeTier {
		k.rate = rec.PublicOnDemandRate.Decimal.String()
	}
	a.buf = k.appendKey(a.buf[:0])
	var s *sums
	if i, ok := a.index[string(a.buf)]; ok { // no allocation: the compiler looks the bytes up as they are
		s = a.of[i]
	} else {
		s = &sums{rate: rec.PublicOnDemandRate.Decimal}
		a.index[string(a.buf)] = int32(len(a.order))
		a.order = append(a.order, k.clone())
		a.of = append(a.of, s)
	}
	s.usage.Add(rec.UsageAmount)
	s.unblended.Add(rec.UnblendedCost)
	if k.public != publicAbsent {
		s.public.Add(rec.PublicOnDemandCost.Decimal)
	}
}

// appendKey appends the key's bytes: each string with its length before
// it, then the flags, so that two keys have the same bytes only when
// they are equal.
func (k *key) appendKey(b []byte) []byte {
	for _, s := range [...]string{string(k.period), k.account, k.entity, k.lineItemType, k.productCode, k.serviceCode,
		k.productName, k.usageType, k.operation, k.savingsPlanARN, k.reservationARN, k.rate} {
		b = binary.AppendUvarint(b, uint64(len(s)))
		b = append(b, s...)
	}
	flags := byte(k.public) << 2
	if k.rated {
		flags |= 1
	}
	if k.freeTier {
		flags |= 2
	}
	return append(b, flags)
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
//	  publicAbsent, the public rate if the key is rated (sums.rate)
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
			flags |= flagFreeTier
		}
		if k.rated {
			flags |= flagRate
		}
		body = append(body, flags)
		s := a.of[rows[seq]]
		body = appendDecimal(body, s.usage.Decimal())
		body = appendDecimal(body, s.unblended.Decimal())
		if k.public != publicAbsent {
			body = appendDecimal(body, s.public.Decimal())
		}
		if k.rated {
			body = appendDecimal(body, s.rate)
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

// accountLines are the decoded aggregates of one usage account in a
// period, packed: a line's text fields index strs and its amounts index
// amounts (equal amounts decoded once, see decoder.amount), so that lines
// hold no pointers — the garbage collector does not scan them — and take
// a fifth of a pricing.Line. line expands one for the calculator.
type accountLines struct {
	period  conductor.Period
	account string
	strs    []string          // the string table
	amounts []decimal.Decimal // the amount table
	lines   []packedLine      // by seq, ascending
	bytes   int64             // estimated memory held, for the engine's cache
}

// packedLine is one line of accountLines.
type packedLine struct {
	seq   uint32    // the line's position in the period's first-seen order
	text  [9]uint32 // strs indexes, in appendAccount's order (entity … reservation ARN)
	flags uint8     // appendAccount's flags
	// amounts indexes: the usage, the unblended cost, the public cost
	// unless flags say publicAbsent, the public rate if flags say so
	usage, unblended, public, rate uint32
}

// Flags of packedLine and appendAccount.
const (
	flagPublic   = 3 // publicState
	flagFreeTier = 4
	flagRate     = 8
)

// line expands the i-th line.
func (a *accountLines) line(i int) pricing.Line {
	p := &a.lines[i]
	t := func(j int) string { return a.strs[p.text[j]] }
	l := pricing.Line{
		BillingPeriod: a.period, UsageAccount: a.account, BillingEntity: t(0), LineItemType: t(1), ProductCode: t(2),
		ServiceCode: t(3), ProductName: t(4), UsageType: t(5), Operation: t(6),
		SavingsPlanARN: t(7), ReservationARN: t(8), FreeTier: pricing.NotFreeTier,
		UsageAmount: a.amounts[p.usage], UnblendedCost: a.amounts[p.unblended],
	}
	if p.flags&flagFreeTier != 0 {
		l.FreeTier = pricing.FreeTierUsage
	}
	if publicState(p.flags&flagPublic) != publicAbsent {
		l.PublicOnDemandCost = decimal.NewNullDecimal(a.amounts[p.public])
	}
	if p.flags&flagRate != 0 {
		l.PublicOnDemandRate = decimal.NewNullDecimal(a.amounts[p.rate])
	}
	return l
}

// addAmount appends an amount to the table and returns its index.
func (a *accountLines) addAmount(d decimal.Decimal) uint32 {
	a.amounts = append(a.amounts, d)
	a.bytes += amountBytes
	return uint32(len(a.amounts) - 1)
}

// Estimated memory of a packed line and of an amount (its table entry, a
// big.Int and one word).
const (
	packedBytes = int64(unsafe.Sizeof(packedLine{}))
	amountBytes = int64(unsafe.Sizeof(decimal.Decimal{})) + 48
)

// packer packs pricing lines of one account into accountLines: the
// lines of periods stored in layoutPeriod (decodeLines).
type packer struct {
	out  *accountLines
	strs map[string]uint32
}

func newPacker(p conductor.Period, account string) *packer {
	return &packer{out: &accountLines{period: p, account: account, bytes: 64 + int64(len(account))}, strs: map[string]uint32{}}
}

func (pk *packer) str(s string) uint32 {
	i, ok := pk.strs[s]
	if !ok {
		i = uint32(len(pk.out.strs))
		pk.strs[s] = i
		pk.out.strs = append(pk.out.strs, s)
		pk.out.bytes += 16 + int64(len(s))
	}
	return i
}

// add appends a line, seq its position in the period.
func (pk *packer) add(l *pricing.Line, seq uint32) {
	a := pk.out
	p := packedLine{seq: seq, text: [9]uint32{pk.str(l.BillingEntity), pk.str(l.LineItemType), pk.str(l.ProductCode),
		pk.str(l.ServiceCode), pk.str(l.ProductName), pk.str(l.UsageType), pk.str(l.Operation),
		pk.str(l.SavingsPlanARN), pk.str(l.ReservationARN)}}
	if l.FreeTier == pricing.FreeTierUsage {
		p.flags |= flagFreeTier
	}
	p.usage, p.unblended = a.addAmount(l.UsageAmount), a.addAmount(l.UnblendedCost)
	if l.PublicOnDemandCost.Valid {
		p.flags |= byte(max(publicStateOf(l), publicZero)) // present, whatever pricing makes of it
		p.public = a.addAmount(l.PublicOnDemandCost.Decimal)
	}
	if l.PublicOnDemandRate.Valid {
		p.flags |= flagRate
		p.rate = a.addAmount(l.PublicOnDemandRate.Decimal)
	}
	a.lines = append(a.lines, p)
	a.bytes += packedBytes
}

// errCorrupt reports an account blob that does not decode.
var errCorrupt = errors.New("corrupt aggregates")

// decodeAccount decodes an account's blob (see appendAccount). The string
// table becomes one string that strs share.
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
	out := &accountLines{period: p, account: account, strs: make([]string, n), bytes: 64 + int64(len(table)) + 16*int64(n)}
	for i, sp := range spans {
		out.strs[i] = table[sp.from:sp.to]
	}
	rows := d.uvarint()
	if rows > uint64(len(data)) {
		return nil, errCorrupt
	}
	out.lines = make([]packedLine, rows)
	out.bytes += int64(rows) * packedBytes
	var recent recentAmounts
	seq := uint64(0)
	for i := range out.lines {
		l := &out.lines[i]
		seq += d.uvarint()
		l.seq = uint32(seq)
		for j := range l.text {
			k := d.uvarint()
			if k >= n {
				return nil, errCorrupt
			}
			l.text[j] = uint32(k)
		}
		l.flags = d.byte()
		l.usage = d.amount(out, &recent)
		l.unblended = d.amount(out, &recent)
		if publicState(l.flags&flagPublic) != publicAbsent {
			l.public = d.amount(out, &recent)
		}
		if l.flags&flagRate != 0 {
			l.rate = d.amount(out, &recent)
		}
		if d.err != nil {
			return nil, d.err
		}
	}
	if d.err == nil && len(d.data) != 0 {
		d.err = fmt.Errorf("%w: trailing bytes", errCorrupt)
	}
	return out, d.err
}

// recentAmounts remembers the amount table index of small decimals (64-bit
// coefficients) decoded lately, one per slot of a hash of the value: the
// amounts of an account's lines repeat (a rate, a usage of 1, a public
// cost equal to the unblended cost) and are then decoded once, in bounded
// memory and time whatever their number.
type recentAmounts [256]struct {
	exp, coef int64
	index     uint32
	set       bool
}

func (r *recentAmounts) slot(exp, coef int64) int {
	return int((uint64(coef)*0x9E3779B97F4A7C15 ^ uint64(exp)) >> 56)
}

// amount decodes the next decimal into a's amount table and returns its
// index, sharing the entry of an equal small decimal decoded lately.
func (d *decoder) amount(a *accountLines, recent *recentAmounts) uint32 {
	rest := d.data
	exp := d.varint()
	if d.byte() != 0 || d.err != nil || exp < math.MinInt32 || exp > math.MaxInt32 {
		d.data = rest // a large coefficient, or an error: decimal says which
		return a.addAmount(d.decimal())
	}
	coef := d.varint()
	r := &recent[recent.slot(exp, coef)]
	if r.set && r.exp == exp && r.coef == coef {
		return r.index
	}
	i := a.addAmount(decimal.New(coef, int32(exp)))
	r.exp, r.coef, r.index, r.set = exp, coef, i, true
	return i
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
