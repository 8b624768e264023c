//go:build !unix

package sqlite

// writable reports whether this process may create files in dir; without
// access(2) only the permission bits tell (see readOnlyDir).
func writable(string) bool { return true }
