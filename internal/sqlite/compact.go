package sqlite

import (
	"context"
	"errors"
)

// Compact returns the database's free pages to the file system (PRAGMA
// incremental_vacuum) and empties the write-ahead log (PRAGMA
// wal_checkpoint(TRUNCATE)), so that the files shrink once data was
// removed. While another connection reads an older snapshot the checkpoint
// is partial, and the log keeps its size until a later Compact or the last
// connection's close. It does nothing on a read-only store.
func (s *Store) Compact(ctx context.Context) error {
	if s.readOnly {
		return nil
	}
	s.commits.Lock()
	defer s.commits.Unlock()
	// incremental_vacuum frees pages step by step: read its rows to the end.
	rows, err := s.write.QueryContext(ctx, `PRAGMA incremental_vacuum`)
	if err != nil {
		return mapError(err)
	}
	for rows.Next() {
	}
	if err := errors.Join(rows.Err(), rows.Close()); err != nil {
		return mapError(err)
	}
	var busy, frames, copied int
	return mapError(s.write.QueryRowContext(ctx, `PRAGMA wal_checkpoint(TRUNCATE)`).Scan(&busy, &frames, &copied))
}
