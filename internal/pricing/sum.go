package pricing

import (
	"math/big"

	"github.com/shopspring/decimal"
)

// Sum accumulates decimals exactly, in place, with the coefficient and
// exponent a chain of decimal.Decimal.Add from decimal.Zero gives (the
// exponent is the smallest of 0 and the addends'). The zero value is 0.
// While the coefficient fits in an int64 it lives there, rescaled in 64
// bits when an addend has more decimals: adding a CUR amount costs no
// allocation. Past that it moves to a big.Int, and adding costs no
// allocation once that has its size. The pricing engine's aggregates and
// the import's are Sums.
type Sum struct {
	small int64    // the coefficient, while large is nil
	exp   int32    // the exponent of the coefficient
	large *big.Int // the coefficient once it outgrew small (small is then 0)
	tmp   *big.Int // an addend's coefficient, for large
}

// pow10s are 10^0 … 10^18: every power of ten an int64 holds.
var pow10s = func() (p [19]int64) {
	p[0] = 1
	for i := 1; i < len(p); i++ {
		p[i] = p[i-1] * 10
	}
	return p
}()

// Add adds d to the sum.
func (s *Sum) Add(d decimal.Decimal) {
	if s.large == nil && d.NumDigits() <= 18 && s.addSmall(d.CoefficientInt64(), d.Exponent()) {
		return
	}
	s.addLarge(d)
}

// addSmall adds c × 10^e in the int64, rescaling the sum to e first when
// e is smaller; false when a step would overflow (nothing changed then).
func (s *Sum) addSmall(c int64, e int32) bool {
	small, exp := s.small, s.exp
	if e < exp { // the sum takes the addend's exponent
		var ok bool
		if small, ok = scale(small, int(exp-e)); !ok {
			return false
		}
		exp = e
	}
	if e > exp { // the addend takes the sum's
		var ok bool
		if c, ok = scale(c, int(e-exp)); !ok {
			return false
		}
	}
	r := small + c
	if (c >= 0) != (r >= small) { // overflow
		return false
	}
	s.small, s.exp = r, exp
	return true
}

// scale returns v × 10^k, k ≥ 0, and whether it stays below 10^18 in
// magnitude (zero always does, whatever k).
func scale(v int64, k int) (int64, bool) {
	if v == 0 {
		return 0, true
	}
	if k >= len(pow10s) {
		return 0, false
	}
	limit := pow10s[len(pow10s)-1] / pow10s[k] // 10^(18-k): |v| below it keeps v × 10^k below 10^18
	if v <= -limit || v >= limit {
		return 0, false
	}
	return v * pow10s[k], true
}

// addLarge adds d in big.Int arithmetic.
func (s *Sum) addLarge(d decimal.Decimal) {
	if s.large == nil {
		s.large, s.tmp, s.small = big.NewInt(s.small), new(big.Int), 0
	}
	c, e := s.tmp, d.Exponent()
	if d.NumDigits() <= 18 {
		c.SetInt64(d.CoefficientInt64())
	} else {
		c = d.Coefficient() // a copy
	}
	switch {
	case e < s.exp:
		s.large.Mul(s.large, pow10(int64(s.exp)-int64(e)))
		s.exp = e
	case e > s.exp:
		c.Mul(c, pow10(int64(e)-int64(s.exp)))
	}
	s.large.Add(s.large, c)
}

// Decimal returns the sum's value.
func (s *Sum) Decimal() decimal.Decimal {
	if s.large != nil {
		return decimal.NewFromBigInt(new(big.Int).Set(s.large), s.exp)
	}
	return decimal.New(s.small, s.exp)
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
