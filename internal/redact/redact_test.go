package redact

import (
	"encoding/base64"
	"strings"
	"testing"
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
