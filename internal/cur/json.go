package cur

import (
	"encoding/json"
	"strings"
	"unicode/utf8"
)

// jsonStringField returns the string value of key in a flat JSON object such
// as CUR 2.0's product column ({"product_name":"Amazon S3",...}), or "" when
// the key is absent or its value is not a string. It scans instead of
// decoding the whole object; a match counts only where a key can start
// (after '{' or ','), since a quote inside a string value is escaped.
func jsonStringField(obj, key string) string {
	pat := `"` + key + `"`
	for from := 0; ; {
		i := strings.Index(obj[from:], pat)
		if i < 0 {
			return ""
		}
		i += from
		from = i + len(pat)
		if !atKeyStart(obj, i) {
			continue
		}
		rest := strings.TrimLeft(obj[from:], " \t\r\n")
		if !strings.HasPrefix(rest, ":") {
			continue
		}
		return jsonString(strings.TrimLeft(rest[1:], " \t\r\n"))
	}
}

func atKeyStart(obj string, i int) bool {
	j := i - 1
	for j >= 0 && strings.IndexByte(" \t\r\n", obj[j]) >= 0 {
		j--
	}
	return j >= 0 && (obj[j] == '{' || obj[j] == ',')
}

// jsonString decodes the JSON string at the start of s, "" if there is none.
func jsonString(s string) string {
	if !strings.HasPrefix(s, `"`) {
		return ""
	}
	for i := 1; i < len(s); i++ {
		switch s[i] {
		case '"':
			return s[1:i] // no escapes: a substring, no allocation
		case '\\':
			var v string
			if end := stringEnd(s); end > 0 && json.Unmarshal([]byte(s[:end]), &v) == nil {
				return v
			}
			return ""
		}
	}
	return ""
}

// stringEnd returns the index just past the closing quote, or -1.
func stringEnd(s string) int {
	for i := 1; i < len(s); i++ {
		switch s[i] {
		case '\\':
			i++
		case '"':
			return i + 1
		}
	}
	return -1
}

// appendJSONString appends s as a JSON string literal.
func appendJSONString(dst []byte, s string) []byte {
	const hex = "0123456789abcdef"
	dst = append(dst, '"')
	for i := 0; i < len(s); {
		c := s[i]
		switch {
		case c == '"' || c == '\\':
			dst = append(dst, '\\', c)
		case c < 0x20:
			dst = append(dst, '\\', 'u', '0', '0', hex[c>>4], hex[c&0xf])
		case c < utf8.RuneSelf:
			dst = append(dst, c)
		default:
			r, n := utf8.DecodeRuneInString(s[i:])
			if r == utf8.RuneError && n == 1 {
				dst = append(dst, `\ufffd`...)
			} else {
				dst = append(dst, s[i:i+n]...)
			}
			i += n
			continue
		}
		i++
	}
	return append(dst, '"')
}
