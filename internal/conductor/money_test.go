package conductor

import "testing"

func TestMoneyString(t *testing.T) {
	tests := map[string]string{
		"0": "0", "176.50": "176.5", "-0.5": "-0.5", "0.1": "0.1", "1/3": "0.3333333333",
		"0.00000000005": "0", "0.00000000015": "0.0000000002", "-2.00000000025": "-2.0000000002", "12": "12",
	}
	for in, want := range tests {
		m, ok := MoneyFromString(in)
		if !ok {
			t.Fatalf("parse %q", in)
		}
		if got := m.String(); got != want {
			t.Errorf("%s → %q, want %q", in, got, want)
		}
	}
	a, _ := MoneyFromString("0.1")
	b, _ := MoneyFromString("0.2")
	if got := a.Add(b).String(); got != "0.3" {
		t.Errorf("0.1 + 0.2 = %s", got)
	}
	base, _ := MoneyFromString("176.5")
	if got := base.Ratio(Money{}).String(); got != "0" {
		t.Errorf("ratio over zero = %s", got)
	}
}
