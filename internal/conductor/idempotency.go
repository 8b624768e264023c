package conductor

import "time"

// TokenRetention is how long a client token is remembered. A retry with the
// same token within it returns the first result; after it the token is new.
const TokenRetention = 24 * time.Hour

// Idempotency carries the X-Amzn-Client-Token of a create request and a
// fingerprint of the rest of its input (computed by the transport).
type Idempotency struct {
	Token       string
	Fingerprint string
}

type tokenRecord struct {
	Fingerprint string
	ResultID    string
	Time        time.Time
}

// replay looks up an earlier request with the same token. It returns the
// earlier result, or a ConflictException when the token was used with a
// different input. Proforma's choice (BEHAVIOR.md ID-2 leaves it open):
// ConflictException naming the resource the token created.
func replay(tx Tx, payer, operation string, idem Idempotency, now time.Time, resourceType string) (string, bool, error) {
	if idem.Token == "" {
		return "", false, nil
	}
	var rec tokenRecord
	ok, err := getJSON(tx, payer, kindClientToken, operation+"/"+idem.Token, Timeless, &rec)
	if err != nil || !ok || now.Sub(rec.Time) > TokenRetention {
		return "", false, err
	}
	if rec.Fingerprint != idem.Fingerprint {
		id := rec.ResultID
		if resourceType != TypeTransfer {
			id = ARN(payer, resourceType, id)
		}
		return "", false, Conflict("", resourceType, id,
			"The client token %s was already used for a %s request with different parameters.", idem.Token, operation)
	}
	return rec.ResultID, true, nil
}

// remember stores the result of a request made with a client token.
func remember(tx Tx, payer, operation string, idem Idempotency, resultID string, now time.Time) error {
	if idem.Token == "" {
		return nil
	}
	rec := tokenRecord{Fingerprint: idem.Fingerprint, ResultID: resultID, Time: now}
	return putJSON(tx, payer, kindClientToken, operation+"/"+idem.Token, Timeless, rec)
}
