package pricing

import (
	"math/big"

	"github.com/shopspring/decimal"
)

// sum accumulates decimals exactly, in place: a running coefficient and
// exponent, as a chain of decimal.Decimal.Add from decimal.Zero would give
// them (the exponent is the smallest of 0 and the addends'), without a new
// big.Int per addition. The zero value is 0. A report's aggregates are sums:
// adding a line costs no allocation once the coefficient has its size, and
// an addend at the sum's exponent that fits in 64 bits (most of them: a
// CUR's amounts share their scale) is added in an int64 first.
type sum struct {
	v     big.Int // the coefficient, less small
	small int64   // the part of the coefficient added in 64 bits
	exp   int32
	tmp   big.Int // the addend's coefficient
}

// add adds d to the sum.
func (s *sum) add(d decimal.Decimal) {
	e := d.Exponent()
	if e == s.exp && d.NumDigits() <= 18 {
		c := d.CoefficientInt64()
		if r := s.small + c; (c >= 0) == (r >= s.small) { // no overflow
			s.small = r
			return
		}
	}
	if s.small != 0 {
		s.v.Add(&s.v, s.tmp.SetInt64(s.small))
		s.small = 0
	}
	c := &s.tmp
	if d.NumDigits() <= 18 {
		c.SetInt64(d.CoefficientInt64())
	} else {
		c = d.Coefficient() // a copy
	}
	switch {
	case e < s.exp:
		s.v.Mul(&s.v, pow10(int64(s.exp)-int64(e)))
		s.exp = e
	case e > s.exp:
		c.Mul(c, pow10(int64(e)-int64(s.exp)))
	}
	s.v.Add(&s.v, c)
}

// decimal returns the sum's value.
func (s *sum) decimal() decimal.Decimal {
	v := new(big.Int).SetInt64(s.small)
	return decimal.NewFromBigInt(v.Add(v, &s.v), s.exp)
}

// powers10 holds 10^0 … 10^39, shared read-only.
var powers10 = func() []*big.Int {
	out := make([]*big.Int, 40)
	for i := range out {
		out[i] = new(big.Int).Exp(big.NewInt(10), big.NewInt(int64(i)), nil)
	}
	return out
}()

// pow10 returns 10^n, n ≥ 0; the result must not be modified.
func pow10(n int64) *big.Int {
	if n < int64(len(powers10)) {
		return powers10[n]
	}
	return new(big.Int).Exp(big.NewInt(10), big.NewInt(n), nil)
}
