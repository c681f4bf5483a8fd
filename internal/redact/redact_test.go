package redact

import (
	"encoding/base64"
	"encoding/json"
	"maps"
	"slices"
	"strings"
	"testing"

	"github.com/open-policy-agent/opa/v1/ast"

	"kubescape.io/kubescape/library"
)

func TestRedactor(t *testing.T) {
	c := NewCollector([]string{"password", "token"})
	c.Add("Secret", map[string]any{
		"kind":       "Secret",
		"data":       map[string]any{"key": base64.StdEncoding.EncodeToString([]byte("canary-secret-1"))},
		"stringData": map[string]any{"pem": "-----BEGIN KEY-----\ncanary-line-2\n-----END KEY-----"},
	})
	c.Add("ConfigMap", map[string]any{
		"kind": "ConfigMap",
		"data": map[string]any{"api_token": "canary-config-3", "greeting": "hello world"},
	})
	c.Add("Deployment", map[string]any{
		"kind": "Deployment",
		"spec": map[string]any{"template": map[string]any{"spec": map[string]any{"containers": []any{
			map[string]any{"name": "app", "env": []any{
				map[string]any{"name": "DB_PASSWORD", "value": "canary-env-4"},
				map[string]any{"name": "MODE", "value": "production"},
				map[string]any{"name": "SHORT_TOKEN", "value": "abc"},
			}},
		}}}},
	})
	r := c.Redactor()
	text := strings.Join([]string{
		"canary-secret-1", base64.StdEncoding.EncodeToString([]byte("canary-secret-1")),
		"canary-line-2", "canary-config-3", "canary-env-4",
		base64.StdEncoding.EncodeToString([]byte("canary-env-4")),
	}, " | ")
	got := r.String(text)
	for _, canary := range []string{"canary", base64.StdEncoding.EncodeToString([]byte("canary-secret-1"))} {
		if strings.Contains(got, canary) {
			t.Errorf("%q still in %q", canary, got)
		}
	}
	for _, keep := range []string{"hello world", "production", "abc"} {
		if r.String(keep) != keep {
			t.Errorf("%q was masked: not a secret (or shorter than MinLength)", keep)
		}
	}
}

func TestLongestValueMaskedWhole(t *testing.T) {
	c := NewCollector([]string{"password"})
	c.Add("Secret", map[string]any{"stringData": map[string]any{"a": "secret", "b": "secret-and-more"}})
	if got := c.Redactor().String("x secret-and-more y"); got != "x "+Mask+" y" {
		t.Errorf("got %q", got)
	}
}

// TestAddValueGathersAsAdd checks that a collector gathers the same secrets
// from an object's content as Rego value (as a scan hands it) as from its
// decoded content: over the library's fixtures, and over objects that put
// secrets, or what looks like them, where Add must not or need not look.
func TestAddValueGathersAsAdd(t *testing.T) {
	lib, err := library.Load()
	if err != nil {
		t.Fatal(err)
	}
	names := []string{"password", "token", "key", "secret"}
	check := func(content map[string]any) {
		t.Helper()
		kind, _ := content["kind"].(string)
		byMap, byValue := NewCollector(names), NewCollector(names)
		byMap.Add(kind, content)
		v, err := ast.InterfaceToValue(content)
		if err != nil {
			t.Fatal(err)
		}
		byValue.AddValue(kind, v)
		if !maps.Equal(byMap.values, byValue.values) {
			t.Errorf("%s %v:\n Add gathered %q\n AddValue gathered %q", kind, content, slices.Sorted(maps.Keys(byMap.values)), slices.Sorted(maps.Keys(byValue.values)))
		}
	}
	secrets := 0
	for _, c := range lib.Controls() {
		if c.Requires != "" {
			continue
		}
		cases, err := lib.Tests(c)
		if err != nil {
			t.Fatal(err)
		}
		for _, tc := range cases {
			for _, content := range tc.Objects {
				check(content)
				if content["kind"] == "Secret" {
					secrets++
				}
			}
		}
	}
	if secrets == 0 {
		t.Error("no Secret among the fixtures")
	}
	for _, doc := range []string{
		`{"kind": "Secret", "data": {"a": "Y2FuYXJ5LXNlY3JldA==", "b": 12345, "c": null, "d": "not base64!", "e": ["bGlzdA=="], "f": "bXVsdGkKbGluZXMKaGVyZQ=="},
		  "stringData": {"p": "line one\n  line two  \nx", "q": 123456, "r": {"nested": "value-nested"}}}`,
		`{"kind": "Secret", "data": "c2VjcmV0LWRhdGE=", "stringData": ["plain-list"]}`,
		`{"kind": "ConfigMap", "data": {"API_TOKEN": "config-token", "greeting": "hello world", "db_password": 42},
		  "binaryData": {"private_key": "YmluYXJ5LWtleQ==", "image": "aW1hZ2U="}}`,
		`{"kind": "ConfigMap", "data": ["token-in-list"], "binaryData": null}`,
		`{"kind": "Deployment", "data": {"token": "not-a-configmap"}, "spec": {"template": {"spec": {
		  "initContainers": [{"env": [{"name": "INIT_TOKEN", "value": "init-token-value"}]}],
		  "containers": [{"env": [{"name": "DB_PASSWORD", "value": "env-password"}, {"name": "PASSWORD_FILE"},
		    {"name": "API_KEY", "value": 1234}, {"value": "nameless-value"}, "not an entry", null,
		    {"name": "SECRET_REF", "valueFrom": {"secretKeyRef": {"name": "s", "key": "k"}}},
		    {"name": "SECRET_MULTI", "value": "first-line\nsecond-line"}]}]}}}}`,
		`{"kind": "Pod", "env": "not a list", "spec": {"env": {"name": "TOKEN", "value": "env-in-object"},
		  "nested": [[{"env": [{"name": "deep_token", "value": "deep-value"}]}]],
		  "list": [{"env": [{"name": "x", "value": "y", "env": [{"name": "TOKEN", "value": "env-in-env"}]}]}]}}`,
		`{"kind": "Secret"}`,
		`{}`,
	} {
		var content map[string]any
		if err := json.Unmarshal([]byte(doc), &content); err != nil {
			t.Fatalf("%s: %v", doc, err)
		}
		check(content)
	}
}
