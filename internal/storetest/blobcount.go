package storetest

import (
	"context"
	"sync/atomic"

	"github.com/proforma-dev/proforma/internal/conductor"
)

// BlobCounter wraps a Store and counts the blobs its transactions read,
// so that a test can show what an operation reads of the stored usage.
type BlobCounter struct {
	conductor.Store
	n atomic.Int64
}

// Reads is the number of blobs read so far.
func (b *BlobCounter) Reads() int64 { return b.n.Load() }

func (b *BlobCounter) View(ctx context.Context, fn func(conductor.Tx) error) error {
	return b.Store.View(ctx, func(tx conductor.Tx) error { return fn(blobCountingTx{tx, &b.n}) })
}

func (b *BlobCounter) Update(ctx context.Context, fn func(conductor.Tx) error) error {
	return b.Store.Update(ctx, func(tx conductor.Tx) error { return fn(blobCountingTx{tx, &b.n}) })
}

type blobCountingTx struct {
	conductor.Tx
	n *atomic.Int64
}

func (t blobCountingTx) GetBlob(id string) ([]byte, bool, error) {
	t.n.Add(1)
	return t.Tx.GetBlob(id)
}
