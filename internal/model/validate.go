package model

import (
	"slices"
	"strconv"
)

// FieldError names one member that violates a model constraint.
//
// Name is the member path from the top-level input: "Name" for a top-level
// member, "AccountGrouping.LinkedAccountIds" for a nested one,
// "AccountGrouping.LinkedAccountIds[0]" for a list element and "Tags[key]"
// for a map entry (its key or value). Message is in the wording of AWS
// validation errors, e.g. "Member must not be null".
type FieldError struct {
	Name, Message string
}

const msgRequired = "Member must not be null"

// memberPath returns the path of member within the structure at path.
func memberPath(path, member string) string {
	if path == "" {
		return member
	}
	return path + "." + member
}

// indexPath returns the path of element i of the list at path.
func indexPath(path string, i int) string {
	return path + "[" + strconv.Itoa(i) + "]"
}

// keyPath returns the path of the entry with key k of the map at path.
func keyPath(path, k string) string {
	return path + "[" + k + "]"
}

// sortedKeys returns the keys of m in increasing order, so that map entries
// are validated deterministically.
func sortedKeys[V any](m map[string]V) []string {
	keys := make([]string, 0, len(m))
	for k := range m {
		keys = append(keys, k)
	}
	slices.Sort(keys)
	return keys
}
