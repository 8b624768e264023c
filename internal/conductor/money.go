package conductor

import (
	"math/big"
	"strings"
)

// Money is an exact decimal amount in USD, as the cost reports carry it.
type Money struct{ r big.Rat }

// MoneyFromString parses a decimal string; ok is false when it is not one.
func MoneyFromString(s string) (Money, bool) {
	var m Money
	_, ok := m.r.SetString(s)
	return m, ok
}

func (m Money) Add(o Money) Money { var r Money; r.r.Add(&m.r, &o.r); return r }
func (m Money) Sub(o Money) Money { var r Money; r.r.Sub(&m.r, &o.r); return r }
func (m Money) Neg() Money        { var r Money; r.r.Neg(&m.r); return r }
func (m Money) IsZero() bool      { return m.r.Sign() == 0 }

// Ratio returns m / o × 100, or 0 when o is 0 (PROFORMA.md rule 15).
func (m Money) Ratio(o Money) Money {
	var r Money
	if o.r.Sign() == 0 {
		return r
	}
	r.r.Quo(&m.r, &o.r)
	r.r.Mul(&r.r, big.NewRat(100, 1))
	return r
}

// tenTo10 is 10¹⁰, the scale of String's 10 fractional digits; read only.
var tenTo10 = big.NewInt(10_000_000_000)

// String renders the exact value for the API: at most 10 fractional
// digits, rounded half to even, trailing zeros trimmed (PROFORMA.md rule 16).
func (m Money) String() string {
	num := new(big.Int).Mul(m.r.Num(), tenTo10)
	q, rem := new(big.Int).QuoRem(num, m.r.Denom(), new(big.Int))
	twice := new(big.Int).Mul(new(big.Int).Abs(rem), big.NewInt(2))
	if c := twice.Cmp(m.r.Denom()); c > 0 || (c == 0 && q.Bit(0) == 1) {
		if m.r.Sign() < 0 {
			q.Sub(q, big.NewInt(1))
		} else {
			q.Add(q, big.NewInt(1))
		}
	}
	neg := q.Sign() < 0
	digits := new(big.Int).Abs(q).String()
	for len(digits) <= 10 {
		digits = "0" + digits
	}
	s := digits[:len(digits)-10] + "." + digits[len(digits)-10:]
	s = strings.TrimRight(strings.TrimRight(s, "0"), ".")
	if neg && s != "0" {
		s = "-" + s
	}
	return s
}
