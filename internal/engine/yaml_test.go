package engine

import "sigs.k8s.io/yaml"

func yamlUnmarshal(s string, v any) error { return yaml.Unmarshal([]byte(s), v) }
