package conductor

import "encoding/json"

// Unique keys of billing groups, pricing plans and rules — their names,
// and a SKU rule's SKU — are checked with one Get each instead of decoding
// every resource of the kind (which made filling a payer quadratic; see
// docs/performance.md). Each key has an index record, kind "<kind>.<key>"
// and id the key's value, holding the owner's ID, versioned like the
// resources: claimed when a resource takes the value, released (a
// tombstone) when it is renamed or deleted.

// index is one unique key of a resource kind. valueOf extracts the key
// from a stored resource ("" when it has none); noun and resourceType name
// the resource in a RESOURCE_NAME_CONFLICT.
type index struct {
	kind, key          string
	valueOf            func(data []byte) (string, error)
	noun, resourceType string
}

var (
	groupNames = index{kindBillingGroup, "name", nameOf, "billing group", TypeBillingGroup}
	planNames  = index{kindPricingPlan, "name", nameOf, "pricing plan", TypePricingPlan}
	ruleNames  = index{kindPricingRule, "name", nameOf, "pricing rule", TypePricingRule}
	ruleSKUs   = index{kindPricingRule, "sku", skuOf, "pricing rule", TypePricingRule}
)

// nameOf is the Name of a stored resource.
func nameOf(data []byte) (string, error) {
	var named struct{ Name string }
	err := json.Unmarshal(data, &named)
	return named.Name, err
}

// skuOf is the SKU of a stored SKU rule, "" for other rules.
func skuOf(data []byte) (string, error) {
	var r PricingRule
	if err := json.Unmarshal(data, &r); err != nil || r.Scope != ScopeSKU {
		return "", err
	}
	return r.skuKey(), nil
}

// checkName refuses a name that another resource (not except) holds at
// period: ConflictException RESOURCE_NAME_CONFLICT naming the holder.
func (ix index) checkName(tx Tx, payer, name, except string, period Period) error {
	owner, err := ix.owner(tx, payer, name, period)
	if err != nil || owner == "" || owner == except {
		return err
	}
	return Conflict("RESOURCE_NAME_CONFLICT", ix.resourceType, ARN(payer, ix.resourceType, owner),
		"A %s named %s already exists.", ix.noun, name)
}

func (ix index) recordKind() string { return ix.kind + "." + ix.key }

// owner returns the ID of the resource holding value at period, "" when none.
func (ix index) owner(tx Tx, payer, value string, at Period) (string, error) {
	if err := ix.ensure(tx, payer, at); err != nil {
		return "", err
	}
	var id string
	_, err := getJSON(tx, payer, ix.recordKind(), value, at, &id)
	return id, err
}

// claim records that the resource id holds value from period on.
func (ix index) claim(tx Tx, payer, value, id string, from Period) error {
	return putJSON(tx, payer, ix.recordKind(), value, from, id)
}

// release frees value from period on.
func (ix index) release(tx Tx, payer, value string, from Period) error {
	return tx.Delete(payer, ix.recordKind(), value, from)
}

// kindIndexBuilt marks, per payer, the indexes built (record id: the index's kind).
const kindIndexBuilt = "indexbuilt"

// buildOnce runs build the first time the index name is needed for payer
// and marks it built in the same transaction: stores written before an
// index existed build it from their records once.
func buildOnce(tx Tx, payer, name string, build func() error) error {
	if _, ok, err := tx.Get(payer, kindIndexBuilt, name, Timeless); err != nil || ok {
		return err
	}
	if err := build(); err != nil {
		return err
	}
	return tx.Put(payer, kindIndexBuilt, name, Timeless, []byte("true"))
}

// ensure builds the index once per payer from the resources in force at
// period: stores written before the index existed have none. [choice] The
// index of such a store starts at the period it is built in, which is
// where every name check happens (changes apply to the current period).
func (ix index) ensure(tx Tx, payer string, at Period) error {
	return buildOnce(tx, payer, ix.recordKind(), func() error {
		recs, err := tx.List(payer, ix.kind, at)
		if err != nil {
			return err
		}
		for _, r := range recs {
			value, err := ix.valueOf(r.Data)
			if err != nil {
				return err
			}
			if value != "" {
				if err := ix.claim(tx, payer, value, r.ID, at); err != nil {
					return err
				}
			}
		}
		return nil
	})
}

// rename moves a resource's claim from one value to another at period.
func (ix index) rename(tx Tx, payer, from, to, id string, period Period) error {
	if from == to {
		return nil
	}
	if err := ix.release(tx, payer, from, period); err != nil {
		return err
	}
	return ix.claim(tx, payer, to, id, period)
}

// counter counts a payer's resources of a kind in force per period, so a
// quota check reads one record: a versioned record (kind "<kind>.count")
// changed in the same transaction as each create and delete.
type counter struct{ kind string }

var (
	groupCount = counter{kindBillingGroup}
	planCount  = counter{kindPricingPlan}
	ruleCount  = counter{kindPricingRule}
)

func (c counter) recordKind() string { return c.kind + ".count" }

// get returns the number of resources in force at period. The first call
// for a payer counts them (stores written before the counter existed).
func (c counter) get(tx Tx, payer string, at Period) (int, error) {
	var n int
	ok, err := getJSON(tx, payer, c.recordKind(), "", at, &n)
	if err != nil || ok {
		return n, err
	}
	if _, built, err := tx.Get(payer, kindIndexBuilt, c.recordKind(), Timeless); err != nil || built {
		return 0, err // built, and no version yet at this period: none
	}
	if n, err = tx.Count(payer, c.kind, at); err != nil {
		return 0, err
	}
	if err := putJSON(tx, payer, c.recordKind(), "", at, n); err != nil {
		return 0, err
	}
	return n, tx.Put(payer, kindIndexBuilt, c.recordKind(), Timeless, []byte("true"))
}

// add changes the count at period by delta (+1 create, −1 delete).
func (c counter) add(tx Tx, payer string, at Period, delta int) error {
	n, err := c.get(tx, payer, at)
	if err != nil {
		return err
	}
	return putJSON(tx, payer, c.recordKind(), "", at, n+delta)
}
