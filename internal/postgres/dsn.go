package postgres

import (
	"net/url"
	"slices"
	"strings"
)

// IsDSN reports whether a --data value names a PostgreSQL database: a
// postgres:// or postgresql:// URL, or "postgres:" alone. What the URL
// leaves out — all of it for "postgres:" or "postgres://" — comes from the
// standard PG* environment variables (PGHOST, PGPORT, PGUSER, PGPASSWORD,
// PGDATABASE, PGSSLMODE, PGOPTIONS…), so that a password can stay off the
// command line.
func IsDSN(s string) bool {
	return strings.HasPrefix(s, "postgres://") || strings.HasPrefix(s, "postgresql://") ||
		s == "postgres:" || s == "postgresql:"
}

// connString is the pgx connection string of a DSN: empty for
// "postgres:", which pgx fills from the environment alone.
func connString(dsn string) string {
	if dsn == "postgres:" || dsn == "postgresql:" {
		return ""
	}
	return dsn
}

// secretParams are the URL query parameters that carry a secret.
var secretParams = []string{"password", "sslpassword"}

// Redact returns a DSN fit for logs and errors: the URL's password, and
// any password or sslpassword query parameter, masked. A URL that does
// not parse is shown up to its scheme only, since where its password
// starts and ends is unclear.
func Redact(dsn string) string {
	u, err := url.Parse(dsn)
	if err != nil {
		return hidden(dsn)
	}
	q, err := url.ParseQuery(u.RawQuery)
	if err != nil {
		return hidden(dsn)
	}
	masked := false
	if _, ok := u.User.Password(); ok {
		u.User, masked = url.UserPassword(u.User.Username(), "xxxxx"), true
	}
	for key := range q {
		if slices.ContainsFunc(secretParams, func(p string) bool { return strings.EqualFold(key, p) }) {
			q.Set(key, "xxxxx")
			u.RawQuery, masked = q.Encode(), true
		}
	}
	if !masked {
		return dsn
	}
	return u.String()
}

// hidden stands for a DSN that cannot be shown.
func hidden(dsn string) string {
	scheme, _, _ := strings.Cut(dsn, ":")
	return scheme + "://(unparsable URL hidden)"
}
