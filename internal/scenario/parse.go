package scenario

import (
	"encoding/json"
	"fmt"

	"gopkg.in/yaml.v3"
)

// ParseChanges reads a change list: a JSON or YAML array of
// {"Operation", "Input", "Output"}.
func ParseChanges(data []byte) ([]Change, error) {
	var list []Change
	err := json.Unmarshal(data, &list)
	if err == nil {
		return list, nil
	}
	if list, yerr := yamlChanges(data); yerr == nil {
		return list, nil
	}
	return nil, fmt.Errorf(`not a change list (a JSON or YAML array of {"Operation", "Input", "Output"}): %w`, err)
}

// yamlChanges reads a change list written in YAML, as JSON would be.
func yamlChanges(data []byte) ([]Change, error) {
	var list []map[string]any
	if err := yaml.Unmarshal(data, &list); err != nil {
		return nil, err
	}
	asJSON, err := json.Marshal(list)
	if err != nil {
		return nil, err
	}
	var out []Change
	return out, json.Unmarshal(asJSON, &out)
}
