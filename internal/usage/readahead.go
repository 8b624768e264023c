package usage

import (
	"sync"

	"github.com/proforma-dev/proforma/internal/cur"
	"github.com/proforma-dev/proforma/internal/parallel"
)

// batch is a batch of records decoded ahead of their use.
type batch struct {
	recs []cur.Record
	n    int   // records in recs
	err  error // NextBatch's error; io.EOF after the last records
}

// Read-ahead sizes: batches in flight, records per batch.
const aheadBatches, batchSize = 4, 512

// readAhead decodes batches of records in a goroutine, so that decoding
// the next batch overlaps the caller's work on this one. The caller
// receives batches until one carries an error (io.EOF at the end), hands
// each back with done once it no longer uses its records, and calls stop
// before closing rd (stop may be called more than once).
func readAhead(rd *cur.Reader) (batches <-chan *batch, done func(*batch), stop func()) {
	free, out, quit := make(chan *batch, aheadBatches), make(chan *batch, aheadBatches), make(chan struct{})
	for range aheadBatches {
		free <- &batch{recs: make([]cur.Record, batchSize)}
	}
	var wg sync.WaitGroup
	wg.Go(func() {
		defer close(out)
		for {
			var b *batch
			select {
			case b = <-free:
			case <-quit:
				return
			}
			b.err = parallel.Safe(func() (err error) { b.n, err = rd.NextBatch(b.recs); return err })
			select {
			case out <- b:
			case <-quit:
				return
			}
			if b.err != nil {
				return
			}
		}
	})
	var once sync.Once
	stop = func() { once.Do(func() { close(quit); wg.Wait() }) }
	return out, func(b *batch) { free <- b }, stop
}
