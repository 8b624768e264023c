package main

// The CUR generator: a deterministic legacy CUR (CSV, optionally gzip) of
// the demo payer, streamed to disk in flat memory.

import (
	"bufio"
	"compress/gzip"
	"fmt"
	"io"
	"math/rand/v2"
	"os"
	"path/filepath"
	"strconv"
	"strings"
	"time"
)

// generatorVersion is part of the cache key: bump it whenever the
// generated data changes.
const generatorVersion = 1

// Columns of the generated CUR, in file order.
const (
	colLineItemID = iota
	colTimeInterval
	colInvoiceID
	colBillingEntity
	colBillType
	colPayer
	colPeriodStart
	colPeriodEnd
	colAccount
	colType
	colUsageStart
	colUsageEnd
	colProductCode
	colUsageType
	colOperation
	colZone
	colResourceID
	colUsageAmount
	colCurrency
	colUnblendedRate
	colUnblendedCost
	colBlendedRate
	colBlendedCost
	colDescription
	colTaxType
	colProductName
	colServiceCode
	colRegion
	colSKU
	colPublicCost
	colPublicRate
	colTerm
	colPricingUnit
	colReservationARN
	colSavingsPlanARN
	colTeamTag
	nColumns
)

// header is the generated CUR's header line (legacy CUR column names).
var header = [nColumns]string{
	colLineItemID: "identity/LineItemId", colTimeInterval: "identity/TimeInterval",
	colInvoiceID: "bill/InvoiceId", colBillingEntity: "bill/BillingEntity", colBillType: "bill/BillType",
	colPayer: "bill/PayerAccountId", colPeriodStart: "bill/BillingPeriodStartDate", colPeriodEnd: "bill/BillingPeriodEndDate",
	colAccount: "lineItem/UsageAccountId", colType: "lineItem/LineItemType",
	colUsageStart: "lineItem/UsageStartDate", colUsageEnd: "lineItem/UsageEndDate",
	colProductCode: "lineItem/ProductCode", colUsageType: "lineItem/UsageType", colOperation: "lineItem/Operation",
	colZone: "lineItem/AvailabilityZone", colResourceID: "lineItem/ResourceId", colUsageAmount: "lineItem/UsageAmount",
	colCurrency: "lineItem/CurrencyCode", colUnblendedRate: "lineItem/UnblendedRate", colUnblendedCost: "lineItem/UnblendedCost",
	colBlendedRate: "lineItem/BlendedRate", colBlendedCost: "lineItem/BlendedCost",
	colDescription: "lineItem/LineItemDescription", colTaxType: "lineItem/TaxType",
	colProductName: "product/ProductName", colServiceCode: "product/servicecode", colRegion: "product/region", colSKU: "product/sku",
	colPublicCost: "pricing/publicOnDemandCost", colPublicRate: "pricing/publicOnDemandRate",
	colTerm: "pricing/term", colPricingUnit: "pricing/unit",
	colReservationARN: "reservation/ReservationARN", colSavingsPlanARN: "savingsPlan/SavingsPlanARN",
	colTeamTag: "resourceTags/user:team",
}

// amountColumns are the CUR's decimal columns (DECIMAL(38,10) in DuckDB).
var amountColumns = map[int]bool{
	colUsageAmount: true, colUnblendedRate: true, colUnblendedCost: true, colBlendedRate: true,
	colBlendedCost: true, colPublicCost: true, colPublicRate: true,
}

// row is one CUR line being generated.
type row [nColumns]string

// lineKind is what a generated line is; kinds are drawn by weight.
type lineKind int

const (
	kindUsage lineKind = iota
	kindFreeTier
	kindMarketplace
	kindSavingsPlan // SavingsPlanCoveredUsage and its SavingsPlanNegation: two lines
	kindReserved    // DiscountedUsage
	kindTax
	kindCredit
	kindRefund
	kindFee
	kindSupport
	kindSPFee
	kindRIFee
	kindRIUpfront
	kindBundled
	kindEDP
)

// kindWeights are per 10,000 draws; Usage takes the rest. Amounts are
// scaled so that a month looks like a real organization's: taxes ~8 % and
// support ~3 % of usage, credits and discounts a few percent, commitment
// fees below the on-demand cost of the usage they cover.
var kindWeights = []struct {
	kind   lineKind
	weight int
}{
	{kindFreeTier, 200}, {kindMarketplace, 300}, {kindSavingsPlan, 250}, {kindReserved, 200},
	{kindTax, 200}, {kindCredit, 100}, {kindRefund, 20}, {kindFee, 5}, {kindSupport, 10},
	{kindSPFee, 5}, {kindRIFee, 10}, {kindRIUpfront, 1}, {kindBundled, 30}, {kindEDP, 50},
}

// generator writes the lines of one CUR.
type generator struct {
	rng   *rand.Rand
	cat   *catalog
	hours [periodHours]struct{ start, end, interval string }
	teams []string
	scr   []byte // scratch for amounts
}

func newGenerator(seed uint64) *generator {
	g := &generator{rng: rand.New(rand.NewPCG(seed, seed^0x9e3779b97f4a7c15)), cat: newCatalog(),
		teams: []string{"", "", "platform", "data", "web", "ml", "payments"}}
	t0, _ := time.Parse(time.RFC3339, periodStart)
	for h := range g.hours {
		s, e := t0.Add(time.Duration(h)*time.Hour), t0.Add(time.Duration(h+1)*time.Hour)
		g.hours[h].start, g.hours[h].end = s.Format(time.RFC3339), e.Format(time.RFC3339)
		g.hours[h].interval = g.hours[h].start + "/" + g.hours[h].end
	}
	return g
}

// generate writes a CUR of exactly lines lines (plus the header) to w.
func (g *generator) generate(w io.Writer, lines int) error {
	cw := &csvWriter{w: bufio.NewWriterSize(w, 1<<20)}
	cw.write(header[:])
	var rows [2]row
	for n := 0; n < lines; {
		k := g.kind()
		if k == kindSavingsPlan && lines-n < 2 {
			k = kindUsage
		}
		m := g.lines(k, &rows)
		for i := range m {
			cw.write(rows[i][:])
		}
		n += m
	}
	return cw.flush()
}

// kind draws the kind of the next line.
func (g *generator) kind() lineKind {
	r := g.rng.IntN(10000)
	for _, kw := range kindWeights {
		if r < kw.weight {
			return kw.kind
		}
		r -= kw.weight
	}
	return kindUsage
}

// lines fills rows with the line(s) of one kind and returns their number.
func (g *generator) lines(k lineKind, rows *[2]row) int {
	r := &rows[0]
	g.common(r, demoAccount(1+g.rng.IntN(demoAccounts)))
	switch k {
	case kindUsage:
		g.usage(r, g.pick(g.cat.skus))
	case kindFreeTier:
		g.freeTier(r, g.pick(g.cat.freeTier))
	case kindMarketplace:
		g.usage(r, g.pick(g.cat.marketplace))
	case kindSavingsPlan:
		sp := savingsPlans[g.rng.IntN(len(savingsPlans))]
		g.savingsPlan(r, &rows[1], g.pick(g.cat.sp), sp)
		return 2
	case kindReserved:
		g.reserved(r, g.pick(g.cat.ri))
	case kindTax, kindCredit, kindRefund, kindFee, kindBundled, kindEDP:
		g.adjustment(r, k)
	case kindSupport:
		g.support(r)
	case kindSPFee, kindRIFee, kindRIUpfront:
		g.commitmentFee(r, k)
	}
	return 1
}

func (g *generator) pick(skus []*sku) *sku { return skus[g.rng.IntN(len(skus))] }

// common fills the columns every line has.
func (g *generator) common(r *row, account string) {
	*r = row{}
	h := &g.hours[g.rng.IntN(periodHours)]
	r[colLineItemID] = g.lineItemID()
	r[colTimeInterval], r[colUsageStart], r[colUsageEnd] = h.interval, h.start, h.end
	r[colInvoiceID], r[colBillingEntity], r[colBillType] = "2026118273645", "AWS", "Anniversary"
	r[colPayer], r[colPeriodStart], r[colPeriodEnd] = payer, periodStart, periodEnd
	r[colAccount], r[colType], r[colCurrency] = account, "Usage", "USD"
	r[colTeamTag] = g.teams[g.rng.IntN(len(g.teams))]
}

const base32 = "abcdefghijklmnopqrstuvwxyz234567"

// lineItemID is a 52-character identity/LineItemId like AWS's.
func (g *generator) lineItemID() string {
	var b [52]byte
	var bits uint64
	for i := range b {
		if i%12 == 0 {
			bits = g.rng.Uint64()
		}
		b[i] = base32[bits&31]
		bits >>= 5
	}
	return string(b[:])
}

// product fills the product columns of a SKU.
func (g *generator) product(r *row, k *sku) {
	p := k.product
	r[colBillingEntity], r[colProductCode], r[colProductName], r[colServiceCode] = p.entity, p.code, p.name, p.service
	r[colUsageType], r[colOperation], r[colRegion], r[colZone] = k.usageType, k.operation, k.region, k.zone
	r[colPricingUnit], r[colSKU] = k.unit, k.id
	if p.resource != "" {
		r[colResourceID] = p.resource + strconv.FormatUint(0x10000+g.rng.Uint64N(0xf0000), 16)
	}
}

// usageAmount draws a line's usage amount (at most 10 decimals, never 0).
func (g *generator) usageAmount(k *sku) float64 {
	if k.integral {
		return float64(1 + g.rng.IntN(max(1, int(k.maxUsage))))
	}
	u := g.rng.Float64() * k.maxUsage
	return max(u, 1e-6)
}

// usage is an on-demand Usage line; Marketplace SKUs have no public price.
func (g *generator) usage(r *row, k *sku) {
	g.product(r, k)
	u := g.usageAmount(k)
	cost := g.amount(u * k.rateF)
	r[colUsageAmount] = g.amount(u)
	r[colUnblendedRate], r[colBlendedRate] = k.rate, k.rate
	r[colUnblendedCost], r[colBlendedCost] = cost, cost
	if k.product.marketplace {
		r[colDescription] = k.product.name + " usage"
		return
	}
	r[colDescription] = "$" + k.rate + " per " + k.unit + " for " + k.usageType + " in " + k.region
	r[colPublicCost], r[colPublicRate], r[colTerm] = cost, k.rate, "OnDemand"
}

// freeTier is free-tier Usage: no charge, a public rate and cost.
func (g *generator) freeTier(r *row, k *sku) {
	g.product(r, k)
	u := g.usageAmount(k)
	r[colUsageAmount] = g.amount(u)
	r[colUnblendedRate], r[colBlendedRate], r[colUnblendedCost], r[colBlendedCost] = "0", "0", "0", "0"
	r[colPublicCost], r[colPublicRate], r[colTerm] = g.amount(u*k.rateF), k.rate, "OnDemand"
	r[colDescription] = "$0.00 per " + k.unit + " for " + k.usageType + " under the monthly free tier"
}

// savingsPlan is a SavingsPlanCoveredUsage line (at its on-demand cost) and
// the SavingsPlanNegation that nets it out, in the same account and hour.
func (g *generator) savingsPlan(cov, neg *row, k *sku, sp commitment) {
	g.usage(cov, k)
	cov[colType], cov[colSavingsPlanARN], cov[colTerm] = "SavingsPlanCoveredUsage", sp.arn, "OnDemand"
	cov[colDescription] = cov[colUsageAmount] + " " + k.unit + " of " + k.usageType + " covered by Savings Plan"
	*neg = *cov
	neg[colLineItemID] = g.lineItemID()
	neg[colType] = "SavingsPlanNegation"
	neg[colUnblendedCost], neg[colBlendedCost] = "-"+cov[colUnblendedCost], "-"+cov[colBlendedCost]
	neg[colUnblendedRate], neg[colBlendedRate] = "-"+k.rate, "-"+k.rate
	neg[colDescription] = "SavingsPlanNegation used by AccountId : " + cov[colAccount] + " and UsageSku : " + cov[colSKU]
	// Negations carry no public cost: an empty field or 0 (both are seen).
	neg[colPublicCost], neg[colPublicRate] = "", ""
	if g.rng.IntN(2) == 0 {
		neg[colPublicCost], neg[colPublicRate] = "0", "0"
	}
}

// reserved is DiscountedUsage: usage an RI covers, charged 0, at its
// public cost.
func (g *generator) reserved(r *row, k *sku) {
	g.usage(r, k)
	ris := reservationFor(k.product.code)
	ri := ris[g.rng.IntN(len(ris))]
	r[colType], r[colReservationARN], r[colTerm] = "DiscountedUsage", ri.arn, "Reserved"
	r[colUnblendedRate], r[colBlendedRate], r[colUnblendedCost], r[colBlendedCost] = "0", "0", "0", "0"
	r[colDescription] = "USD 0.0 hourly fee per " + k.usageType + " (reserved)"
}

// adjustment is a line without usage: Tax, Credit, Refund, an on-demand
// Fee, BundledDiscount or EdpDiscount, on a random AWS product. Such lines
// carry no product attributes (empty servicecode) and no public price.
func (g *generator) adjustment(r *row, k lineKind) {
	p := g.cat.products[g.rng.IntN(len(g.cat.products)-len(marketplaceProducts))]
	r[colProductCode], r[colProductName] = p.code, p.name
	r[colUsageAmount] = "0"
	var amount float64
	switch k {
	case kindTax:
		r[colType], amount, r[colTaxType] = "Tax", g.rng.Float64(), "VAT"
		r[colDescription] = "Tax for product code " + p.code
	case kindCredit:
		r[colType], amount = "Credit", -g.rng.Float64()*1.2
		r[colDescription] = "AWS Activate Credits, expiring 2027-06-30"
	case kindRefund:
		r[colType], amount = "Refund", -g.rng.Float64()*0.4
		r[colDescription] = "Refund of \"" + p.name + "\" charges"
	case kindFee:
		r[colType], amount = "Fee", 1+g.rng.Float64()*14
		r[colUsageType], r[colDescription] = "Registration", "One-time fee"
	case kindBundled:
		r[colType], amount = "BundledDiscount", -g.rng.Float64()*0.5
		r[colDescription] = "Bundled discount"
	case kindEDP:
		r[colType], amount = "EdpDiscount", -g.rng.Float64()*2.4
		r[colDescription] = "Enterprise Discount Program discount"
	}
	r[colUnblendedCost] = g.amount(amount)
	r[colBlendedCost] = r[colUnblendedCost]
}

// support is a Business support Fee (excluded from pro forma, rule 5).
func (g *generator) support(r *row) {
	r[colType], r[colProductCode], r[colProductName] = "Fee", "AWSSupportBusiness", "AWS Support (Business)"
	r[colUsageType], r[colUsageAmount] = "Dollar", "0"
	r[colUnblendedCost] = g.amount(1 + g.rng.Float64()*6)
	r[colBlendedCost], r[colDescription] = r[colUnblendedCost], "AWS Support (Business) fee"
}

// commitmentFee is a Savings Plan recurring fee, an RI fee or an RI upfront
// Fee, in the commitment owner's account.
func (g *generator) commitmentFee(r *row, k lineKind) {
	var c commitment
	switch k {
	case kindSPFee:
		c = savingsPlans[g.rng.IntN(len(savingsPlans))]
		r[colType], r[colSavingsPlanARN] = "SavingsPlanRecurringFee", c.arn
		r[colProductCode], r[colProductName] = "ComputeSavingsPlans", "Savings Plans for AWS Compute usage"
		r[colUsageType], r[colOperation] = "ComputeSP:1yrNoUpfront", "None"
		r[colUnblendedCost] = g.amount(5 + g.rng.Float64()*4)
		r[colDescription] = "1 year No Upfront Compute Savings Plan"
	default:
		c = reservations[g.rng.IntN(len(reservations))]
		r[colReservationARN], r[colProductCode] = c.arn, c.product
		r[colProductName] = g.productName(c.product)
		if k == kindRIFee {
			r[colType], r[colUsageType] = "RIFee", "HeavyUsage"
			r[colUnblendedCost] = g.amount(2 + g.rng.Float64()*2)
			r[colDescription] = "USD 0.06 hourly fee per reserved instance"
		} else {
			r[colType] = "Fee"
			r[colUnblendedCost] = g.amount(5 + g.rng.Float64()*15)
			r[colDescription] = "Sign up charge for subscription: 8427, planId: 2417"
		}
	}
	r[colAccount], r[colUsageAmount], r[colBlendedCost] = c.owner, "1", r[colUnblendedCost]
}

func (g *generator) productName(code string) string {
	for _, p := range g.cat.products {
		if p.code == code {
			return p.name
		}
	}
	return code
}

// amount formats f with at most 10 decimals, trailing zeros trimmed.
func (g *generator) amount(f float64) string {
	g.scr = appendAmount(g.scr[:0], f)
	return string(g.scr)
}

// appendAmount appends f with at most 10 decimals, trailing zeros trimmed,
// never "-0".
func appendAmount(dst []byte, f float64) []byte {
	start := len(dst)
	dst = strconv.AppendFloat(dst, f, 'f', 10, 64)
	for dst[len(dst)-1] == '0' {
		dst = dst[:len(dst)-1]
	}
	if dst[len(dst)-1] == '.' {
		dst = dst[:len(dst)-1]
	}
	if string(dst[start:]) == "-0" {
		dst = append(dst[:start], '0')
	}
	return dst
}

// csvWriter writes RFC 4180 rows, quoting only fields that need it.
type csvWriter struct {
	w   *bufio.Writer
	err error
}

func (c *csvWriter) write(fields []string) {
	for i, f := range fields {
		if i > 0 {
			c.w.WriteByte(',')
		}
		if !strings.ContainsAny(f, ",\"\r\n") {
			c.w.WriteString(f)
			continue
		}
		c.w.WriteByte('"')
		c.w.WriteString(strings.ReplaceAll(f, `"`, `""`))
		c.w.WriteByte('"')
	}
	if _, err := c.w.WriteString("\n"); err != nil && c.err == nil {
		c.err = err
	}
}

func (c *csvWriter) flush() error {
	if c.err != nil {
		return c.err
	}
	return c.w.Flush()
}

// curFile returns the path of the generated CUR of lines lines, writing it
// first unless a file of the same parameters is cached in dir. The file is
// written under a temporary name and renamed, so a cached file is always
// complete.
func curFile(dir string, lines int, seed uint64, gz bool) (string, bool, error) {
	name := fmt.Sprintf("cur-v%d-seed%d-%d.csv", generatorVersion, seed, lines)
	if gz {
		name += ".gz"
	}
	path := filepath.Join(dir, name)
	if _, err := os.Stat(path); err == nil {
		return path, true, nil
	}
	if err := os.MkdirAll(dir, 0o755); err != nil {
		return "", false, err
	}
	tmp, err := os.CreateTemp(dir, name+".tmp-*")
	if err != nil {
		return "", false, err
	}
	defer os.Remove(tmp.Name()) // no-op after the rename
	if err := writeCUR(tmp, lines, seed, gz); err != nil {
		tmp.Close()
		return "", false, err
	}
	if err := tmp.Chmod(0o644); err != nil {
		tmp.Close()
		return "", false, err
	}
	if err := tmp.Close(); err != nil {
		return "", false, err
	}
	return path, false, os.Rename(tmp.Name(), path)
}

// writeCUR writes a generated CUR to w, gzip-compressed when gz.
func writeCUR(w io.Writer, lines int, seed uint64, gz bool) error {
	g := newGenerator(seed)
	if !gz {
		return g.generate(w, lines)
	}
	zw, _ := gzip.NewWriterLevel(w, gzip.DefaultCompression)
	if err := g.generate(zw, lines); err != nil {
		return err
	}
	return zw.Close()
}
