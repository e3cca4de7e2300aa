package main

import (
	"fmt"
	"go/ast"
	"go/parser"
	"go/token"
	"reflect"
	"strconv"
	"strings"
)

// KEDA's types hold a trigger's metadata as a map of strings, so a misspelt parameter decodes fine
// and KEDA ignores it (its check for unknown parameters is off unless the operator enables it): a
// typo in `targetQueueSize` would silently scale on the default. The parameters are declared in
// the scaler's source, as `keda:"name=..., order=..."` struct tags that KEDA's own parser reads
// (pkg/scalers/scalersconfig); this reads the same tags from the pinned module's temporal scaler,
// which the install script copies beside the binary.

type scalerParameter struct {
	names      []string
	inMetadata bool // order includes triggerMetadata
	inAuth     bool // order includes authParams (a TriggerAuthentication's parameter)
	fromEnv    bool // order includes resolvedEnv: <name>FromEnv names a container variable
	required   bool // neither optional nor defaulted
	deprecated string
}

type scalerParameters struct {
	parameters   []scalerParameter
	metadataKeys map[string]bool // the trigger metadata keys: names in triggerMetadata, <name>FromEnv
	authNames    map[string]bool // the names a TriggerAuthentication may supply (authParams)
}

func readTemporalScalerParameters(file string) (*scalerParameters, error) {
	parsed, err := parser.ParseFile(token.NewFileSet(), file, nil, parser.SkipObjectResolution)
	if err != nil {
		return nil, fmt.Errorf("reading KEDA's temporal scaler parameters (run tools/kubernetes/install.sh): %w", err)
	}
	var found *ast.StructType
	ast.Inspect(parsed, func(node ast.Node) bool {
		if spec, ok := node.(*ast.TypeSpec); ok && spec.Name.Name == "temporalMetadata" {
			found, _ = spec.Type.(*ast.StructType)
		}
		return found == nil
	})
	if found == nil {
		return nil, fmt.Errorf("%s declares no temporalMetadata struct", file)
	}
	result := &scalerParameters{metadataKeys: map[string]bool{}, authNames: map[string]bool{}}
	for _, field := range found.Fields.List {
		if field.Tag == nil {
			continue
		}
		raw, err := strconv.Unquote(field.Tag.Value)
		if err != nil {
			return nil, fmt.Errorf("%s: %w", file, err)
		}
		tag, ok := reflect.StructTag(raw).Lookup("keda")
		if !ok {
			continue
		}
		parameter := parseKedaTag(tag)
		result.parameters = append(result.parameters, parameter)
		for _, name := range parameter.names {
			if parameter.inMetadata {
				result.metadataKeys[name] = true
			}
			if parameter.fromEnv {
				result.metadataKeys[name+"FromEnv"] = true
			}
			if parameter.inAuth {
				result.authNames[name] = true
			}
		}
	}
	if len(result.parameters) == 0 {
		return nil, fmt.Errorf("%s: temporalMetadata has no keda-tagged fields", file)
	}
	return result, nil
}

// parseKedaTag reads a tag as scalersconfig's paramsFromTag does: comma-separated key=value pairs,
// lists separated by semicolons.
func parseKedaTag(tag string) scalerParameter {
	parameter := scalerParameter{required: true}
	for _, part := range strings.Split(tag, ",") {
		key, value, _ := strings.Cut(strings.TrimSpace(part), "=")
		value = strings.TrimSpace(value)
		switch key {
		case "name":
			parameter.names = strings.Split(value, ";")
		case "order":
			for _, order := range strings.Split(value, ";") {
				switch strings.TrimSpace(order) {
				case "triggerMetadata":
					parameter.inMetadata = true
				case "authParams":
					parameter.inAuth = true
				case "resolvedEnv":
					parameter.fromEnv = true
				}
			}
		case "optional", "default":
			parameter.required = false
		case "deprecated":
			parameter.required = false
			parameter.deprecated = value
		}
	}
	return parameter
}

// checkTrigger returns what is wrong with a temporal trigger's metadata and the parameters its
// TriggerAuthentication supplies (authParams).
func (s *scalerParameters) checkTrigger(metadata map[string]string, authParams map[string]bool) []string {
	var problems []string
	for key := range metadata {
		if !s.metadataKeys[key] {
			problems = append(problems, fmt.Sprintf("temporal trigger: unknown metadata parameter %q (not a parameter of KEDA's temporal scaler)", key))
		}
	}
	for key := range authParams {
		if !s.authNames[key] {
			problems = append(problems, fmt.Sprintf("temporal trigger: its TriggerAuthentication supplies %q, not an authentication parameter of KEDA's temporal scaler", key))
		}
	}
	for _, p := range s.parameters {
		given := false
		for _, name := range p.names {
			given = given || (p.inMetadata && metadata[name] != "") || (p.fromEnv && metadata[name+"FromEnv"] != "") ||
				(p.inAuth && authParams[name])
		}
		if given && p.deprecated != "" {
			problems = append(problems, fmt.Sprintf("temporal trigger: %q: %s", p.names[0], p.deprecated))
		}
		if !given && p.required {
			problems = append(problems, fmt.Sprintf("temporal trigger: missing required parameter %q", p.names[0]))
		}
	}
	return problems
}
