package restjson

import (
	"testing"
	"time"
)

func TestPacedBodyDeadline(t *testing.T) {
	t0 := time.Date(2026, 1, 1, 0, 0, 0, 0, time.UTC)
	sec := func(s float64) time.Time { return t0.Add(time.Duration(s * float64(time.Second))) }
	tests := []struct {
		name     string
		rate     int64
		at       float64 // seconds after start
		received int64
		want     float64 // deadline, seconds after start
	}{
		{"start: the grace", 1000, 0, 0, 10},
		{"nothing yet: the grace still", 1000, 5, 0, 10},
		{"behind the rate", 1000, 20, 15000, 25},
		{"far ahead: a pause of the grace at most", 1000, 12, 100000, 22},
		{"late: due already", 1000, 30, 1000, 11},
		{"no rate: a pause of the grace", 0, 100, 0, 110},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			b := &pacedBody{start: t0, grace: 10 * time.Second, rate: tt.rate, n: tt.received}
			if got, want := b.deadline(sec(tt.at)), sec(tt.want); !got.Equal(want) {
				t.Errorf("deadline = %v after start, want %v", got.Sub(t0), want.Sub(t0))
			}
		})
	}
}
