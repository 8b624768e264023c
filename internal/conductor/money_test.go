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
	if got := MoneyFromFloat(0.1).Add(MoneyFromFloat(0.2)).String(); got != "0.3" {
		t.Errorf("0.1 + 0.2 = %s", got)
	}
	base, _ := MoneyFromString("176.5")
	if got := base.Percent(MoneyFromFloat(10)).String(); got != "17.65" {
		t.Errorf("10%% of 176.5 = %s", got)
	}
	if got := base.Ratio(Money{}).String(); got != "0" {
		t.Errorf("ratio over zero = %s", got)
	}
}
