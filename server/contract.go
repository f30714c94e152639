package server

import (
	"encoding/json"
	"fmt"
	"math"
	"regexp"
	"strings"
	"unicode/utf8"
)

// compileContracts reads the OpenAPI document into the input gate's
// contracts, one per documented operation, keyed "METHOD /api/path/:param"
// as Fiber names its routes. It refuses a document in which a request
// string has no maxLength (or enum), a number no minimum and maximum, an
// array no maxItems, or an object allows fields it does not list (a map,
// whose additionalProperties is a schema, must bound its keys' length and
// its number of entries): the gate
// would have nothing to hold such an input to.
func compileContracts(doc []byte) (map[string]*routeContract, error) {
	var d map[string]any
	if err := json.Unmarshal(doc, &d); err != nil {
		return nil, fmt.Errorf("openapi.json: %w", err)
	}
	c := &contractCompiler{doc: d}
	paths, _ := d["paths"].(map[string]any)
	out := map[string]*routeContract{}
	for p, v := range paths {
		item, _ := v.(map[string]any)
		for _, m := range []string{"get", "put", "post", "delete", "patch"} {
			op, ok := item[m].(map[string]any)
			if !ok {
				continue
			}
			key := strings.ToUpper(m) + " " + openAPIParam.ReplaceAllString(p, ":$1")
			rc, err := c.route(item, op)
			if err != nil {
				return nil, fmt.Errorf("openapi.json: %s: %w", key, err)
			}
			out[key] = rc
		}
	}
	return out, nil
}

var openAPIParam = regexp.MustCompile(`\{([^}]+)\}`)

type contractCompiler struct {
	doc map[string]any
}

func (c *contractCompiler) route(item, op map[string]any) (*routeContract, error) {
	rc := &routeContract{query: map[string]*schemaNode{}, path: map[string]*schemaNode{}, header: map[string]*schemaNode{}}
	for _, src := range []any{item["parameters"], op["parameters"]} {
		list, _ := src.([]any)
		for _, p := range list {
			pm := c.deref(p)
			name, _ := pm["name"].(string)
			node, err := c.schema(pm["schema"], true)
			if err != nil {
				return nil, fmt.Errorf("parameter %s: %w", name, err)
			}
			switch pm["in"] {
			case "query":
				rc.query[name] = node
			case "path":
				rc.path[name] = node
			case "header":
				rc.header[name] = node
			}
		}
	}
	rb := c.deref(op["requestBody"])
	content, _ := rb["content"].(map[string]any)
	if js, ok := content["application/json"].(map[string]any); ok {
		node, err := c.schema(js["schema"], true)
		if err != nil {
			return nil, fmt.Errorf("body: %w", err)
		}
		rc.bodyKind, rc.body = bodyJSON, node
	} else if mp, ok := content["multipart/form-data"].(map[string]any); ok {
		rc.bodyKind, rc.files, rc.values = bodyMultipart, map[string]*schemaNode{}, map[string]*schemaNode{}
		schema := c.deref(mp["schema"])
		props, _ := schema["properties"].(map[string]any)
		for name, v := range props {
			prop := c.deref(v)
			if _, binary := prop["contentMediaType"]; binary {
				// A file: what the gate checks is its name.
				max, ok := prop["x-filenameMaxLength"].(float64)
				if !ok {
					return nil, fmt.Errorf("file %s: no x-filenameMaxLength", name)
				}
				rc.files[name] = &schemaNode{types: tString, maxLength: int(max)}
				continue
			}
			node, err := c.schema(prop, true)
			if err != nil {
				return nil, fmt.Errorf("field %s: %w", name, err)
			}
			rc.values[name] = node
		}
	} else if len(content) > 0 {
		return nil, fmt.Errorf("a body the gate cannot check")
	}
	return rc, nil
}

func (c *contractCompiler) deref(v any) map[string]any {
	m, _ := v.(map[string]any)
	for i := 0; i < 8; i++ {
		ref, ok := m["$ref"].(string)
		if !ok {
			return m
		}
		var cur any = c.doc
		for _, tok := range strings.Split(strings.TrimPrefix(ref, "#/"), "/") {
			cm, _ := cur.(map[string]any)
			cur = cm[tok]
		}
		m, _ = cur.(map[string]any)
	}
	return m
}

// schema compiles the part of a schema the gate enforces; strict demands
// that every leaf is bounded.
func (c *contractCompiler) schema(v any, strict bool) (*schemaNode, error) {
	s := c.deref(v)
	if s == nil {
		return nil, fmt.Errorf("no schema")
	}
	n := &schemaNode{maxLength: -1, min: math.Inf(-1), max: math.Inf(1)}
	for _, k := range []string{"oneOf", "anyOf"} {
		alts, ok := s[k].([]any)
		if !ok {
			continue
		}
		for _, a := range alts {
			an, err := c.schema(a, strict)
			if err != nil {
				return nil, err
			}
			n.merge(an)
		}
		return n, nil
	}
	switch t := s["type"].(type) {
	case string:
		n.types |= typeBit(t)
	case []any:
		for _, x := range t {
			s, _ := x.(string)
			n.types |= typeBit(s)
		}
	}
	// An enum or a const bounds a string by its longest value.
	var values []any
	if e, ok := s["enum"].([]any); ok {
		values = e
	}
	if cst, ok := s["const"]; ok {
		values = append(values, cst)
	}
	enumLen := -1
	for _, x := range values {
		switch x := x.(type) {
		case string:
			n.types |= tString
			enumLen = max(enumLen, utf8.RuneCountInString(x))
		case bool:
			n.types |= tBoolean
		case float64:
			n.types |= tNumber
		case nil:
			n.types |= tNull
		}
	}
	if n.types == 0 {
		return nil, fmt.Errorf("no type")
	}
	if n.types&tString != 0 {
		if ml, ok := s["maxLength"].(float64); ok {
			n.maxLength = int(ml)
		} else if enumLen >= 0 {
			n.maxLength = enumLen
		} else if strict {
			return nil, fmt.Errorf("a string without maxLength")
		}
		n.multiline, _ = s["x-multiline"].(bool)
	}
	if n.types&(tInteger|tNumber) != 0 {
		lo, okLo := s["minimum"].(float64)
		hi, okHi := s["maximum"].(float64)
		if strict && (!okLo || !okHi) {
			return nil, fmt.Errorf("a number without minimum and maximum")
		}
		if okLo {
			n.min = lo
		}
		if okHi {
			n.max = hi
		}
	}
	if n.types&tObject != 0 {
		// A map (additionalProperties a schema) is bounded by its keys'
		// length and its number of entries; any other object lists its
		// fields and allows no others.
		if ap, ok := s["additionalProperties"].(map[string]any); ok {
			names := c.deref(s["propertyNames"])
			keyMax, okKey := names["maxLength"].(float64)
			maxProps, okProps := s["maxProperties"].(float64)
			if !okKey || !okProps {
				return nil, fmt.Errorf("a map without propertyNames.maxLength and maxProperties")
			}
			values, err := c.schema(ap, strict)
			if err != nil {
				return nil, fmt.Errorf("additionalProperties: %w", err)
			}
			n.values, n.keyMax, n.maxProps = values, int(keyMax), int(maxProps)
		} else if ap, ok := s["additionalProperties"].(bool); !ok || ap {
			return nil, fmt.Errorf("an object without additionalProperties: false")
		}
		n.props = map[string]*schemaNode{}
		props, _ := s["properties"].(map[string]any)
		for name, pv := range props {
			pn, err := c.schema(pv, strict)
			if err != nil {
				return nil, fmt.Errorf("%s: %w", name, err)
			}
			n.props[name] = pn
		}
	}
	if n.types&tArray != 0 {
		mi, ok := s["maxItems"].(float64)
		if !ok {
			return nil, fmt.Errorf("an array without maxItems")
		}
		n.maxItems = int(mi)
		in, err := c.schema(s["items"], strict)
		if err != nil {
			return nil, fmt.Errorf("items: %w", err)
		}
		n.items = in
	}
	return n, nil
}

// merge widens n to accept what o accepts (the alternatives of a oneOf).
func (n *schemaNode) merge(o *schemaNode) {
	n.types |= o.types
	n.maxLength = max(n.maxLength, o.maxLength)
	n.multiline = n.multiline || o.multiline
	if n.props == nil {
		n.props = o.props
	}
	if n.values == nil {
		n.values, n.keyMax, n.maxProps = o.values, o.keyMax, o.maxProps
	}
	if n.items == nil {
		n.items, n.maxItems = o.items, o.maxItems
	}
	if math.IsInf(n.min, -1) || o.min < n.min {
		n.min = o.min
	}
	if math.IsInf(n.max, 1) || o.max > n.max {
		n.max = o.max
	}
}

func typeBit(t string) int {
	switch t {
	case "string":
		return tString
	case "integer":
		return tInteger
	case "number":
		return tNumber
	case "boolean":
		return tBoolean
	case "null":
		return tNull
	case "object":
		return tObject
	case "array":
		return tArray
	}
	return 0
}
