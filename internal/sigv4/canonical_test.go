package sigv4

import (
	"net/http"
	"testing"
	"time"
)

func TestCanonicalURI(t *testing.T) {
	tests := []struct{ name, in, want string }{
		{"empty", "", "/"},
		{"root", "/", "/"},
		{"unreserved kept", "/a-b_c.d~e/F9", "/a-b_c.d~e/F9"},
		{"escapes double-encoded", arnPath,
			"/tags/arn%253Aaws%253Abillingconductor%253A%253A123456789012%253Abillinggroup%252F123456789012"},
		{"raw reserved encoded", "/a:b@c+d", "/a%3Ab%40c%2Bd"},
		{"dot segments kept", "/a/./b/../c//", "/a/./b/../c//"},
		{"utf8", "/\u1234", "/%E1%88%B4"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			if got := CanonicalURI(tt.in); got != tt.want {
				t.Fatalf("CanonicalURI(%q) = %q, want %q", tt.in, got, tt.want)
			}
		})
	}
}

func TestCanonicalQuery(t *testing.T) {
	tests := []struct{ name, in, want string }{
		{"empty", "", ""},
		{"sorted by name then value", "b=2&a=2&a=1", "a=1&a=2&b=2"},
		{"case-sensitive order", "a=1&B=2", "B=2&a=1"},
		{"sorted after encoding", "x=a-b&x=a%2Fb", "x=a%2Fb&x=a-b"},
		{"name prefix", "a-b=1&a=2", "a=2&a-b=1"},
		{"plus is space", "q=a+b", "q=a%20b"},
		{"encoded plus", "q=a%2Bb", "q=a%2Bb"},
		{"no value", "flag&x=1", "flag=&x=1"},
		{"reserved characters", "k=%21%2A%27%28%29", "k=%21%2A%27%28%29"},
		{"bad escape dropped", "a=%zz&b=1", "b=1"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			if got := CanonicalQuery(tt.in); got != tt.want {
				t.Fatalf("CanonicalQuery(%q) = %q, want %q", tt.in, got, tt.want)
			}
		})
	}
}

func TestCanonicalHeaders(t *testing.T) {
	h := http.Header{}
	h.Add("X-Multi", "  one ")
	h.Add("X-Multi", "two   three")
	h.Set("X-Tabs", "\ta  b\t")
	got := CanonicalHeaders(h, "example.com:8443", []string{"host", "x-missing", "x-multi", "x-tabs"})
	want := "host:example.com:8443\nx-missing:\nx-multi:one,two three\nx-tabs:a b\n"
	if got != want {
		t.Fatalf("got %q, want %q", got, want)
	}
}

func TestHashPayload(t *testing.T) {
	tests := []struct{ name, declared, body, want string }{
		{"empty body", "", "", "e3b0c44298fc1c149afbf4c8996fb92427ae41e4649b934ca495991b7852b855"},
		{"body", "", "Param1=value1", "9095672bbd1f56dfc5b65f3e153adc8731a4a654192329106275f4c7b24d0b6e"},
		{"unsigned", UnsignedPayload, "anything", UnsignedPayload},
		{"declared hash ignored", "00", "", "e3b0c44298fc1c149afbf4c8996fb92427ae41e4649b934ca495991b7852b855"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			if got := HashPayload(tt.declared, []byte(tt.body)); got != tt.want {
				t.Fatalf("got %s, want %s", got, tt.want)
			}
		})
	}
}

// TestVerifyDateHeader covers a request dated by the HTTP Date header instead
// of X-Amz-Date, signed here with the step functions.
func TestVerifyDateHeader(t *testing.T) {
	r, _ := http.NewRequest("GET", "https://example.amazonaws.com/?b=2&a=1", nil)
	r.Header.Set("Date", "Sun, 30 Aug 2015 12:36:00 GMT")
	signed := []string{"date", "host"}
	creq := CanonicalRequest("GET", "/", "a=1&b=2",
		CanonicalHeaders(r.Header, r.Host, signed), SignedHeaders(signed), HashPayload("", nil))
	scope := CredentialScope("20150830", "us-east-1", "service")
	sig := Signature(SigningKey(suiteSecret, "20150830", "us-east-1", "service"),
		StringToSign("20150830T123600Z", scope, creq))
	r.Header.Set("Authorization", Algorithm+" Credential="+suiteKey+"/"+scope+", SignedHeaders=date;host, Signature="+sig)

	v := Verifier{
		Credentials: StaticCredentials{suiteKey: suiteSecret},
		Service:     "service",
		Now:         func() time.Time { return suiteTime },
	}
	if _, err := v.Verify(r, nil); err != nil {
		t.Fatal(err)
	}
}
