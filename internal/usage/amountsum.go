package usage

import (
	"math/big"

	"github.com/shopspring/decimal"
)

// amountSum is an exact running sum of decimals with the coefficient and
// exponent a chain of decimal.Decimal.Add from zero gives (the exponent is
// the smallest of 0 and the addends'), for the import's aggregates. While
// the coefficient fits in an int64 it lives there, so adding a CUR amount
// costs no allocation; past that it moves to a big.Int. The zero value
// is 0. It takes 24 bytes, less than a decimal.Decimal and its big.Int.
type amountSum struct {
	small int64    // the coefficient, when large is nil
	exp   int32    // the exponent of the coefficient
	large *big.Int // the coefficient once it outgrew small (small is then 0)
}

// pow10s are 10^0 … 10^18: every power of ten an int64 holds.
var pow10s = func() (p [19]int64) {
	p[0] = 1
	for i := 1; i < len(p); i++ {
		p[i] = p[i-1] * 10
	}
	return p
}()

// add adds d to the sum.
func (s *amountSum) add(d decimal.Decimal) {
	if s.large == nil && d.NumDigits() <= 18 && s.addSmall(d.CoefficientInt64(), d.Exponent()) {
		return
	}
	s.addLarge(d)
}

// addSmall adds c × 10^e in the int64, rescaling the sum to e first when
// e is smaller; false when a step would overflow (nothing changed then).
func (s *amountSum) addSmall(c int64, e int32) bool {
	small, exp := s.small, s.exp
	if e < exp { // the sum takes the addend's exponent
		k := int(exp - e)
		if !fits(small, k) {
			return false
		}
		small, exp = small*pow10s[k], e
	}
	if k := int(e - exp); k > 0 { // the addend takes the sum's
		if !fits(c, k) {
			return false
		}
		c *= pow10s[k]
	}
	r := small + c
	if (c >= 0) != (r >= small) { // overflow
		return false
	}
	s.small, s.exp = r, exp
	return true
}

// fits reports whether v × 10^k fits in an int64.
func fits(v int64, k int) bool {
	if k >= len(pow10s) {
		return v == 0
	}
	limit := pow10s[len(pow10s)-1] / pow10s[k] // 10^(18-k): |v| below it keeps v × 10^k below 10^18
	return -limit < v && v < limit
}

// addLarge adds d in big.Int arithmetic.
func (s *amountSum) addLarge(d decimal.Decimal) {
	v := s.large
	if v == nil {
		v = big.NewInt(s.small)
	}
	c, e := d.Coefficient(), d.Exponent()
	switch {
	case e < s.exp:
		v.Mul(v, new(big.Int).Exp(big.NewInt(10), big.NewInt(int64(s.exp)-int64(e)), nil))
		s.exp = e
	case e > s.exp:
		c.Mul(c, new(big.Int).Exp(big.NewInt(10), big.NewInt(int64(e)-int64(s.exp)), nil))
	}
	s.large, s.small = v.Add(v, c), 0
}

// decimal returns the sum's value.
func (s *amountSum) decimal() decimal.Decimal {
	if s.large != nil {
		return decimal.NewFromBigInt(s.large, s.exp)
	}
	return decimal.New(s.small, s.exp)
}
