package sigv4

import (
	"net/http"
	"reflect"
	"testing"
)

func TestParseAuthorization(t *testing.T) {
	want := Authorization{
		AccessKeyID:   "AKIDEXAMPLE",
		Date:          "20150830",
		Region:        "us-east-1",
		Service:       "service",
		SignedHeaders: []string{"host", "x-amz-date"},
		Signature:     "5fa00fa31553b73ebf1942676e86291e8372ff2a2260956d9b8aae1d763fbf31",
	}
	const (
		cred = "Credential=AKIDEXAMPLE/20150830/us-east-1/service/aws4_request"
		sh   = "SignedHeaders=host;x-amz-date"
		sig  = "Signature=5fa00fa31553b73ebf1942676e86291e8372ff2a2260956d9b8aae1d763fbf31"
	)
	tests := []struct {
		name  string
		value string
	}{
		{"canonical", "AWS4-HMAC-SHA256 " + cred + ", " + sh + ", " + sig},
		{"no spaces after commas", "AWS4-HMAC-SHA256 " + cred + "," + sh + "," + sig},
		{"extra spaces", "  AWS4-HMAC-SHA256   " + cred + " ,   " + sh + " ,  " + sig + "  "},
		{"spaces only", "AWS4-HMAC-SHA256 " + cred + " " + sh + " " + sig},
		{"tabs", "AWS4-HMAC-SHA256\t" + cred + ",\t" + sh + ",\t" + sig},
		{"reordered", "AWS4-HMAC-SHA256 " + sig + ", " + cred + ", " + sh},
		{"lower-case names", "AWS4-HMAC-SHA256 credential=AKIDEXAMPLE/20150830/us-east-1/service/aws4_request, " +
			"signedheaders=host;x-amz-date, signature=5fa00fa31553b73ebf1942676e86291e8372ff2a2260956d9b8aae1d763fbf31"},
		{"upper-case signed headers", "AWS4-HMAC-SHA256 " + cred + ", SignedHeaders=Host;X-Amz-Date, " + sig},
		{"unknown parameter ignored", "AWS4-HMAC-SHA256 " + cred + ", Foo=bar, " + sh + ", " + sig},
		{"repeated parameter keeps last", "AWS4-HMAC-SHA256 Credential=OTHER/1/2/3/aws4_request, " + cred + ", " + sh + ", " + sig},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			got, err := ParseAuthorization(tt.value)
			if err != nil {
				t.Fatal(err)
			}
			if !reflect.DeepEqual(got, want) {
				t.Fatalf("got %+v\nwant %+v", got, want)
			}
		})
	}
}

func TestParseAuthorizationErrors(t *testing.T) {
	tests := []struct {
		name, value, code, message string
	}{
		{"empty", "", CodeIncompleteSignature,
			"Authorization header requires 'Credential' parameter. Authorization header requires 'Signature' parameter. " +
				"Authorization header requires 'SignedHeaders' parameter. Authorization="},
		{"algorithm only", "AWS4-HMAC-SHA256", CodeIncompleteSignature,
			"Authorization header requires 'Credential' parameter. Authorization header requires 'Signature' parameter. " +
				"Authorization header requires 'SignedHeaders' parameter. Authorization=AWS4-HMAC-SHA256"},
		{"missing SignedHeaders", "AWS4-HMAC-SHA256 Credential=A/20150830/r/s/aws4_request, Signature=00",
			CodeIncompleteSignature, "Authorization header requires 'SignedHeaders' parameter. Authorization=AWS4-HMAC-SHA256"},
		{"missing Credential", "AWS4-HMAC-SHA256 SignedHeaders=host, Signature=00",
			CodeIncompleteSignature, "Authorization header requires 'Credential' parameter. Authorization=AWS4-HMAC-SHA256"},
		{"missing equal sign", "AWS4-HMAC-SHA256 Credential=A /20150830/r/s/aws4_request, SignedHeaders=host, Signature=00",
			CodeIncompleteSignature, "'/20150830/r/s/aws4_request' not a valid key=value pair (missing equal-sign) in Authorization header: " +
				"'AWS4-HMAC-SHA256 Credential=A /20150830/r/s/aws4_request, SignedHeaders=host, Signature=00'."},
		{"unsupported algorithm", "AWS4-HMAC-SHA512 Credential=A/20150830/r/s/aws4_request, SignedHeaders=host, Signature=00",
			CodeIncompleteSignature, "Unsupported AWS 'algorithm': 'AWS4-HMAC-SHA512'."},
		{"short credential", "AWS4-HMAC-SHA256 Credential=AKIDEXAMPLE, SignedHeaders=host, Signature=00",
			CodeIncompleteSignature, "Credential must have exactly 5 slash-delimited elements, e.g. keyid/date/region/service/term, got 'AKIDEXAMPLE'"},
		{"bad terminator", "AWS4-HMAC-SHA256 Credential=A/20150830/r/s/aws5_request, SignedHeaders=host, Signature=00",
			CodeInvalidSignature, "Credential should be scoped with a valid terminator: 'aws4_request', not 'aws5_request'."},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			_, err := ParseAuthorization(tt.value)
			e, ok := err.(*Error)
			if !ok {
				t.Fatalf("error %T %v, want *Error", err, err)
			}
			if e.Code != tt.code || e.Message != tt.message || e.Status != http.StatusForbidden {
				t.Fatalf("got %+v\nwant code %s, message %q, status 403", e, tt.code, tt.message)
			}
			if e.Error() != tt.code+": "+tt.message {
				t.Fatalf("Error() = %q", e.Error())
			}
		})
	}
}

func TestAccessKeyID(t *testing.T) {
	tests := []struct {
		name, header, want, code string
	}{
		{"no header", "", "", ""},
		{"valid", "AWS4-HMAC-SHA256 Credential=AKIDEXAMPLE/20150830/us-east-1/service/aws4_request, SignedHeaders=host, Signature=00",
			"AKIDEXAMPLE", ""},
		{"malformed", "AWS4-HMAC-SHA256 Credential=AKIDEXAMPLE", "", CodeIncompleteSignature},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			r, _ := http.NewRequest("GET", "https://example.com/", nil)
			if tt.header != "" {
				r.Header.Set("Authorization", tt.header)
			}
			got, err := AccessKeyID(r)
			if tt.code == "" {
				if err != nil || got != tt.want {
					t.Fatalf("got %q, %v; want %q, nil", got, err, tt.want)
				}
				return
			}
			if e, ok := err.(*Error); !ok || e.Code != tt.code || got != "" {
				t.Fatalf("got %q, %v; want code %s", got, err, tt.code)
			}
		})
	}
}
