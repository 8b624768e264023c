package postgres_test

import (
	"context"
	"errors"
	"strconv"
	"sync"
	"sync/atomic"
	"testing"

	"github.com/proforma-dev/proforma/internal/conductor"
	"github.com/proforma-dev/proforma/internal/harness"
	"github.com/proforma-dev/proforma/internal/postgres"
	"github.com/proforma-dev/proforma/internal/storetest"
)

func TestContract(t *testing.T) {
	storetest.Run(t, func(t *testing.T) conductor.Store {
		s, err := postgres.Open(context.Background(), harness.PostgresSchema(t))
		if err != nil {
			t.Fatal(err)
		}
		t.Cleanup(func() { s.Close() })
		return s
	})
}

// Two replicas (two Stores on one database) incrementing one counter at
// once: serialization failures come back as conductor.ErrWriteConflict,
// and with retries every increment counts exactly once.
func TestReplicasSerialize(t *testing.T) {
	dsn := harness.PostgresSchema(t)
	ctx := context.Background()
	var replicas [2]*postgres.Store
	for i := range replicas {
		s, err := postgres.Open(ctx, dsn)
		if err != nil {
			t.Fatal(err)
		}
		defer s.Close()
		replicas[i] = s
	}
	const workers, increments = 4, 25
	var wg sync.WaitGroup
	var conflicts atomic.Int64
	for w := range workers {
		s := replicas[w%2]
		wg.Go(func() {
			for range increments {
				for {
					err := s.Update(ctx, func(tx conductor.Tx) error {
						data, _, err := tx.Get("p", "counter", "c", conductor.Timeless)
						if err != nil {
							return err
						}
						n, _ := strconv.Atoi(string(data))
						return tx.Put("p", "counter", "c", conductor.Timeless, []byte(strconv.Itoa(n+1)))
					})
					if errors.Is(err, conductor.ErrWriteConflict) {
						conflicts.Add(1)
						continue
					}
					if err != nil {
						t.Error(err)
					}
					break
				}
			}
		})
	}
	wg.Wait()
	var got string
	replicas[0].View(ctx, func(tx conductor.Tx) error {
		data, _, err := tx.Get("p", "counter", "c", conductor.Timeless)
		got = string(data)
		return err
	})
	if got != strconv.Itoa(workers*increments) {
		t.Errorf("counter = %s after %d increments (%d conflicts retried)", got, workers*increments, conflicts.Load())
	}
	t.Logf("%d serialization conflicts retried", conflicts.Load())
}
