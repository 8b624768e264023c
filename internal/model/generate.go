// Package model holds the Go types of the AWS Billing Conductor API, generated
// from the vendored botocore service model billingconductor.json: one struct
// per structure shape, enum constants, constraint validation (Validate), HTTP
// binding of path, query and header members (BindHTTP), and the operation
// table (Operations, OperationByName, ErrorStatus).
//
// Everything in model_gen.go is generated; run "go generate ./internal/model"
// after changing the model or the generator (internal/modelgen).
package model

import _ "embed"

//go:generate go run ../modelgen -model billingconductor.json -out model_gen.go

// ModelJSON is the vendored botocore service model the package is generated from.
//
//go:embed billingconductor.json
var ModelJSON []byte
