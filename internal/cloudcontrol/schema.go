package cloudcontrol

import (
	"bytes"
	"embed"
	"errors"
	"fmt"
	"maps"
	"path"
	"strings"
	"sync"

	"github.com/santhosh-tekuri/jsonschema/v6"
)

// schemaFiles are the four resource types' CloudFormation schemas, as the
// registry publishes them (TestSchemasAreTheSpecs keeps them so).
//
//go:embed schemas/*.json
var schemaFiles embed.FS

// schemas are the compiled schemas by type name, compiled at the first
// model checked (not at every start of the server).
var schemas = sync.OnceValue(compileSchemas)

func compileSchemas() map[string]*jsonschema.Schema {
	files, err := schemaFiles.ReadDir("schemas")
	if err != nil {
		panic(err)
	}
	c := jsonschema.NewCompiler()
	c.DefaultDraft(jsonschema.Draft7)
	out := map[string]*jsonschema.Schema{}
	for _, f := range files {
		name := path.Join("schemas", f.Name())
		data, err := schemaFiles.ReadFile(name)
		if err != nil {
			panic(err)
		}
		doc, err := jsonschema.UnmarshalJSON(bytes.NewReader(data))
		if err != nil {
			panic(fmt.Sprintf("%s: %v", name, err))
		}
		if err := c.AddResource(name, doc); err != nil {
			panic(fmt.Sprintf("%s: %v", name, err))
		}
		sch, err := c.Compile(name)
		if err != nil {
			panic(fmt.Sprintf("%s: %v", name, err))
		}
		typeName, _ := doc.(map[string]any)["typeName"].(string)
		out[typeName] = sch
	}
	return out
}

// validateModel checks a resource model against its type's schema — every
// constraint the schema states: types, lengths, patterns, enums, ranges,
// list sizes, required and unknown properties — and answers a failure as
// Cloud Control does, InvalidRequest naming the first property at fault.
// Read-only properties are left out (a read model carries them, and the
// service's values need not match the schema's).
func validateModel(t resourceType, typeName string, model map[string]any) error {
	sch := schemas()[typeName]
	if sch == nil {
		return nil
	}
	m := maps.Clone(model)
	for _, p := range t.readOnly() {
		delete(m, p)
	}
	err := sch.Validate(m)
	var ve *jsonschema.ValidationError
	if !errors.As(err, &ve) {
		return err
	}
	for len(ve.Causes) > 0 {
		ve = ve.Causes[0]
	}
	return handlerFailure("InvalidRequest", "Model validation failed ("+strings.TrimPrefix(ve.Error(), "at ")+")")
}
