package vap

import (
	"encoding/json"
	"fmt"
	"io"

	"sigs.k8s.io/yaml"
)

// Output formats of Write.
const (
	FormatYAML = "yaml"
	FormatJSON = "json"
)

// Write renders the manifests in apply order: YAML documents, or a JSON v1 List.
func Write(w io.Writer, m *Manifests, format string) error {
	var items []any
	for _, obj := range m.Objects() {
		u, err := toUnstructured(obj)
		if err != nil {
			return err
		}
		items = append(items, u.Object)
	}
	switch format {
	case FormatJSON:
		if items == nil {
			items = []any{}
		}
		enc := json.NewEncoder(w)
		enc.SetIndent("", "  ")
		return enc.Encode(map[string]any{"apiVersion": "v1", "kind": "List", "items": items})
	case FormatYAML:
		for i, item := range items {
			raw, err := yaml.Marshal(item)
			if err != nil {
				return fmt.Errorf("encode: %w", err)
			}
			if i > 0 {
				if _, err := io.WriteString(w, "---\n"); err != nil {
					return err
				}
			}
			if _, err := w.Write(raw); err != nil {
				return err
			}
		}
		return nil
	}
	return fmt.Errorf("output format %q: want yaml or json", format)
}
