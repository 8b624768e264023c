package compat_test

// The wire reference: not an AWS client, but the scenario's requests built
// directly from the vendored service model (method, URI, path labels, query
// strings, headers, JSON body) and signed with SigV4. It has every operation,
// so it runs the steps of operations no client here has yet, and shows that
// the scenario itself is right. The Cloud Control steps are sent as
// awsJson1.0 requests (X-Amz-Target CloudApiService.<Op>, the params as the
// body) and the STS steps as awsQuery requests (Action, Version), read back
// from XML.

import (
	"bytes"
	"context"
	"crypto/rand"
	"crypto/sha256"
	"encoding/hex"
	"encoding/json"
	"encoding/xml"
	"fmt"
	"io"
	"net/http"
	"net/url"
	"os"
	"strings"
	"time"

	"github.com/aws/aws-sdk-go-v2/aws"
	v4 "github.com/aws/aws-sdk-go-v2/aws/signer/v4"
)

type wireModel struct {
	Operations map[string]struct {
		HTTP struct {
			Method     string `json:"method"`
			RequestURI string `json:"requestUri"`
		} `json:"http"`
		Input struct {
			Shape string `json:"shape"`
		} `json:"input"`
	} `json:"operations"`
	Shapes map[string]struct {
		Members map[string]struct {
			Location         string `json:"location"`
			LocationName     string `json:"locationName"`
			IdempotencyToken bool   `json:"idempotencyToken"`
		} `json:"members"`
	} `json:"shapes"`
}

type wireClient struct {
	model    *wireModel
	endpoint string
	http     *http.Client
	signer   *v4.Signer
}

func newWireClient(endpoint string) (*wireClient, error) {
	b, err := os.ReadFile(modelPath)
	if err != nil {
		return nil, err
	}
	var m wireModel
	if err := json.Unmarshal(b, &m); err != nil {
		return nil, err
	}
	return &wireClient{model: &m, endpoint: endpoint, http: &http.Client{Timeout: 30 * time.Second}, signer: v4.NewSigner()}, nil
}

// escapeLabel escapes a path label the way the SDKs do: everything but the
// unreserved characters.
func escapeLabel(s string) string {
	var b strings.Builder
	for _, c := range []byte(s) {
		if 'a' <= c && c <= 'z' || 'A' <= c && c <= 'Z' || '0' <= c && c <= '9' || strings.IndexByte("-._~", c) >= 0 {
			b.WriteByte(c)
		} else {
			fmt.Fprintf(&b, "%%%02X", c)
		}
	}
	return b.String()
}

func (w *wireClient) call(ctx context.Context, service, op string, params map[string]any) (outcome, error) {
	switch service {
	case "cloudcontrol":
		return w.callJSON10(ctx, op, params)
	case "sts":
		return w.callQuery(ctx, op, params)
	}
	o, ok := w.model.Operations[op]
	if !ok {
		return outcome{notInClient: true}, nil
	}
	path, query := o.HTTP.RequestURI, url.Values{}
	header := http.Header{}
	body := map[string]any{}
	members := w.model.Shapes[o.Input.Shape].Members
	for name, v := range params {
		mem, ok := members[name]
		if !ok {
			return outcome{}, fmt.Errorf("%s has no member %s", o.Input.Shape, name)
		}
		switch mem.Location {
		case "uri":
			path = strings.Replace(path, "{"+mem.LocationName+"}", escapeLabel(fmt.Sprint(v)), 1)
		case "querystring":
			list, isList := v.([]any)
			if !isList {
				list = []any{v}
			}
			for _, e := range list {
				query.Add(mem.LocationName, fmt.Sprint(e))
			}
		case "header":
			header.Set(mem.LocationName, fmt.Sprint(v))
		default:
			body[name] = v
		}
	}
	for _, mem := range members {
		if mem.IdempotencyToken && header.Get(mem.LocationName) == "" {
			header.Set(mem.LocationName, randomToken())
		}
	}
	var payload []byte
	if len(body) > 0 || o.HTTP.Method == http.MethodPost || o.HTTP.Method == http.MethodPut {
		var err error
		if payload, err = json.Marshal(body); err != nil {
			return outcome{}, err
		}
	}
	u := w.endpoint + path
	if len(query) > 0 {
		u += "?" + query.Encode()
	}
	req, err := http.NewRequestWithContext(ctx, o.HTTP.Method, u, bytes.NewReader(payload))
	if err != nil {
		return outcome{}, err
	}
	req.Header = header
	if payload != nil {
		req.Header.Set("Content-Type", "application/json")
	}
	sum := sha256.Sum256(payload)
	creds := aws.Credentials{AccessKeyID: callerKey, SecretAccessKey: callerSecret}
	if err := w.signer.SignHTTP(ctx, creds, req, hex.EncodeToString(sum[:]), "billingconductor", region, time.Now()); err != nil {
		return outcome{}, err
	}
	resp, err := w.http.Do(req)
	if err != nil {
		return outcome{}, err
	}
	defer resp.Body.Close()
	raw, err := io.ReadAll(resp.Body)
	if err != nil {
		return outcome{}, err
	}
	out, err := decodeJSON(raw)
	if err != nil {
		return outcome{}, fmt.Errorf("HTTP %d, body is not JSON: %q", resp.StatusCode, raw)
	}
	if resp.StatusCode/100 == 2 {
		return outcome{output: out}, nil
	}
	code, _, _ := strings.Cut(resp.Header.Get("X-Amzn-ErrorType"), ":")
	ce := &callError{code: code, status: resp.StatusCode, hasReason: true, hasFields: true}
	if code == "" {
		ce.problems = append(ce.problems, "no X-Amzn-ErrorType header")
	}
	ce.message, _ = out["Message"].(string)
	ce.reason, _ = out["Reason"].(string)
	if fields, ok := out["Fields"].([]any); ok {
		for _, f := range fields {
			if f, ok := f.(map[string]any); ok {
				name, _ := f["Name"].(string)
				ce.fields = append(ce.fields, name)
			}
		}
	}
	return outcome{apiErr: ce}, nil
}

func randomToken() string {
	b := make([]byte, 16)
	rand.Read(b)
	return hex.EncodeToString(b)
}

// send signs req for service (its body is payload) and returns the response
// status, headers and body.
func (w *wireClient) send(ctx context.Context, req *http.Request, payload []byte, service string) (*http.Response, []byte, error) {
	sum := sha256.Sum256(payload)
	creds := aws.Credentials{AccessKeyID: callerKey, SecretAccessKey: callerSecret}
	if err := w.signer.SignHTTP(ctx, creds, req, hex.EncodeToString(sum[:]), service, region, time.Now()); err != nil {
		return nil, nil, err
	}
	resp, err := w.http.Do(req)
	if err != nil {
		return nil, nil, err
	}
	defer resp.Body.Close()
	raw, err := io.ReadAll(resp.Body)
	return resp, raw, err
}

// callJSON10 sends a Cloud Control operation (awsJson1.0).
func (w *wireClient) callJSON10(ctx context.Context, op string, params map[string]any) (outcome, error) {
	if _, ok := params["ClientToken"]; !ok && strings.HasSuffix(op, "Resource") && op != "GetResource" && op != "ListResources" {
		params["ClientToken"] = randomToken()
	}
	payload, err := json.Marshal(params)
	if err != nil {
		return outcome{}, err
	}
	req, err := http.NewRequestWithContext(ctx, http.MethodPost, w.endpoint+"/", bytes.NewReader(payload))
	if err != nil {
		return outcome{}, err
	}
	req.Header.Set("Content-Type", "application/x-amz-json-1.0")
	req.Header.Set("X-Amz-Target", "CloudApiService."+op)
	resp, raw, err := w.send(ctx, req, payload, "cloudcontrolapi")
	if err != nil {
		return outcome{}, err
	}
	out, err := decodeJSON(raw)
	if err != nil {
		return outcome{}, fmt.Errorf("HTTP %d, body is not JSON: %q", resp.StatusCode, raw)
	}
	if resp.StatusCode/100 == 2 {
		return outcome{output: out}, nil
	}
	typ, _ := out["__type"].(string)
	code := typ[strings.LastIndexByte(typ, '#')+1:]
	ce := &callError{code: code, status: resp.StatusCode}
	if code == "" {
		ce.problems = append(ce.problems, "no __type in the error body")
	}
	ce.message, _ = out["Message"].(string)
	if ce.message == "" {
		ce.message, _ = out["message"].(string)
	}
	return outcome{apiErr: ce}, nil
}

// callQuery sends an STS operation (awsQuery) whose result members are
// strings, the output being the children of its <OpResult> element.
func (w *wireClient) callQuery(ctx context.Context, op string, params map[string]any) (outcome, error) {
	form := url.Values{"Action": {op}, "Version": {"2011-06-15"}}
	for k, v := range params {
		form.Set(k, fmt.Sprint(v))
	}
	payload := []byte(form.Encode())
	req, err := http.NewRequestWithContext(ctx, http.MethodPost, w.endpoint+"/", bytes.NewReader(payload))
	if err != nil {
		return outcome{}, err
	}
	req.Header.Set("Content-Type", "application/x-www-form-urlencoded; charset=utf-8")
	resp, raw, err := w.send(ctx, req, payload, "sts")
	if err != nil {
		return outcome{}, err
	}
	if resp.StatusCode/100 != 2 {
		var e struct {
			Error struct{ Code, Message string } `xml:"Error"`
		}
		if err := xml.Unmarshal(raw, &e); err != nil {
			return outcome{}, fmt.Errorf("HTTP %d, body is not an XML error: %q", resp.StatusCode, raw)
		}
		return outcome{apiErr: &callError{code: e.Error.Code, status: resp.StatusCode, message: e.Error.Message}}, nil
	}
	out := map[string]any{}
	dec := xml.NewDecoder(bytes.NewReader(raw))
	depth, inResult := 0, 0 // inResult: the depth of <OpResult>, 0 outside it
	var text strings.Builder
	for {
		tok, err := dec.Token()
		if err == io.EOF {
			break
		}
		if err != nil {
			return outcome{}, fmt.Errorf("HTTP %d, body is not XML (%v): %q", resp.StatusCode, err, raw)
		}
		switch tok := tok.(type) {
		case xml.StartElement:
			depth++
			if tok.Name.Local == op+"Result" && inResult == 0 {
				inResult = depth
			}
			text.Reset()
		case xml.CharData:
			text.Write(tok)
		case xml.EndElement:
			if inResult != 0 && depth == inResult+1 {
				out[tok.Name.Local] = text.String()
			}
			if depth == inResult {
				inResult = 0
			}
			depth--
		}
	}
	if len(out) == 0 {
		return outcome{}, fmt.Errorf("no %sResult members in %q", op, raw)
	}
	return outcome{output: out}, nil
}
