//go:build !unix

package main

// openFileLimit reports that the platform has no open-file limit to read.
func openFileLimit() (uint64, bool) { return 0, false }
