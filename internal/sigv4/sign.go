package sigv4

import (
	"crypto/hmac"
	"crypto/sha256"
	"encoding/hex"
)

// TimeFormat is the ISO 8601 basic format of X-Amz-Date and the string to sign.
const TimeFormat = "20060102T150405Z"

// CredentialScope returns "date/region/service/aws4_request".
func CredentialScope(date, region, service string) string {
	return date + "/" + region + "/" + service + "/" + scopeTerminator
}

// StringToSign returns "AWS4-HMAC-SHA256\n<amzDate>\n<scope>\n<hex SHA-256 of
// canonicalRequest>", where amzDate is the request time in TimeFormat.
func StringToSign(amzDate, scope, canonicalRequest string) string {
	sum := sha256.Sum256([]byte(canonicalRequest))
	return Algorithm + "\n" + amzDate + "\n" + scope + "\n" + hex.EncodeToString(sum[:])
}

// SigningKey derives the signing key: HMAC-SHA256 chained over date, region,
// service and "aws4_request", starting from the key "AWS4"+secret.
func SigningKey(secret, date, region, service string) []byte {
	k := hmacSHA256([]byte("AWS4"+secret), date)
	k = hmacSHA256(k, region)
	k = hmacSHA256(k, service)
	return hmacSHA256(k, scopeTerminator)
}

// Signature returns the lower-case hex HMAC-SHA256 of stringToSign under signingKey.
func Signature(signingKey []byte, stringToSign string) string {
	return hex.EncodeToString(hmacSHA256(signingKey, stringToSign))
}

func hmacSHA256(key []byte, data string) []byte {
	m := hmac.New(sha256.New, key)
	m.Write([]byte(data))
	return m.Sum(nil)
}
