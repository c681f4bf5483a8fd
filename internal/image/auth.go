package image

import (
	"encoding/base64"
	"encoding/json"
	"fmt"
	"path"
	"strings"

	"github.com/google/go-containerregistry/pkg/authn"
)

// NewKeychain returns a keychain that finds registry credentials in the given
// docker config documents first (the .dockerconfigjson of a
// kubernetes.io/dockerconfigjson pull secret, or the older .dockercfg), then
// in the user's docker config ($DOCKER_CONFIG or ~/.docker/config.json) and
// its credential helpers. Keys are matched as the kubelet matches them: a
// host (registry.example.com, with or without a port or scheme), a host and
// a path prefix (registry.example.com/team), or a wildcard host
// (*.example.com); the longest matching key wins.
func NewKeychain(dockerConfigs ...[]byte) (authn.Keychain, error) {
	kc := &secretKeychain{}
	for i, b := range dockerConfigs {
		entries, err := parseDockerConfig(b)
		if err != nil {
			return nil, fmt.Errorf("docker config %d: %w", i+1, err)
		}
		kc.entries = append(kc.entries, entries...)
	}
	return authn.NewMultiKeychain(kc, authn.DefaultKeychain), nil
}

type secretEntry struct {
	host string // lowercase, may start with "*."
	path string // repository path prefix, may be empty
	cfg  authn.AuthConfig
}

type dockerAuth struct {
	Auth          string `json:"auth"`
	Username      string `json:"username"`
	Password      string `json:"password"`
	IdentityToken string `json:"identitytoken"`
	RegistryToken string `json:"registrytoken"`
}

func parseDockerConfig(b []byte) ([]secretEntry, error) {
	var withAuths struct {
		Auths map[string]dockerAuth `json:"auths"`
	}
	if err := json.Unmarshal(b, &withAuths); err != nil {
		return nil, fmt.Errorf("not JSON: %w", err)
	}
	auths := withAuths.Auths
	if auths == nil {
		// The .dockercfg form: the hosts at the top level.
		if err := json.Unmarshal(b, &auths); err != nil {
			return nil, fmt.Errorf("neither a .dockerconfigjson nor a .dockercfg document: %w", err)
		}
	}
	var out []secretEntry
	for key, a := range auths {
		cfg := authn.AuthConfig{Username: a.Username, Password: a.Password, IdentityToken: a.IdentityToken, RegistryToken: a.RegistryToken}
		if a.Auth != "" {
			raw, err := base64.StdEncoding.DecodeString(a.Auth)
			if err != nil {
				return nil, fmt.Errorf("%s: auth is not base64: %w", key, err)
			}
			user, pass, ok := strings.Cut(string(raw), ":")
			if !ok {
				return nil, fmt.Errorf("%s: auth does not hold user:password", key)
			}
			cfg.Username, cfg.Password = user, pass
		}
		host, p := splitKey(key)
		if host == "" {
			return nil, fmt.Errorf("%q names no registry", key)
		}
		out = append(out, secretEntry{host: host, path: p, cfg: cfg})
	}
	return out, nil
}

// splitKey turns "https://registry.example.com:5000/v1/team/" into its host
// and repository path prefix.
func splitKey(key string) (host, prefix string) {
	k := strings.ToLower(strings.TrimSpace(key))
	if i := strings.Index(k, "://"); i >= 0 {
		k = k[i+3:]
	}
	host, prefix, _ = strings.Cut(k, "/")
	prefix = strings.Trim(prefix, "/")
	if prefix == "v1" || prefix == "v2" {
		prefix = ""
	}
	return canonicalHost(host), prefix
}

func canonicalHost(h string) string {
	switch h {
	case "docker.io", "registry-1.docker.io", "index.docker.io":
		return "index.docker.io"
	}
	return h
}

type secretKeychain struct {
	entries []secretEntry
}

// Resolve implements authn.Keychain.
func (k *secretKeychain) Resolve(target authn.Resource) (authn.Authenticator, error) {
	reg := canonicalHost(strings.ToLower(target.RegistryStr()))
	repo := ""
	if full := target.String(); strings.Contains(full, "/") {
		_, repo, _ = strings.Cut(full, "/")
	}
	best, bestLen := -1, -1
	for i, e := range k.entries {
		if !hostMatches(e.host, reg) {
			continue
		}
		if e.path != "" && repo != e.path && !strings.HasPrefix(repo, e.path+"/") {
			continue
		}
		if l := len(e.host) + len(e.path); l > bestLen {
			best, bestLen = i, l
		}
	}
	if best < 0 {
		return authn.Anonymous, nil
	}
	return authn.FromConfig(k.entries[best].cfg), nil
}

// hostMatches compares hosts, with a wildcard label matching one label.
func hostMatches(pattern, host string) bool {
	if !strings.Contains(pattern, "*") {
		return pattern == host
	}
	ok, err := path.Match(strings.ReplaceAll(pattern, ".", "/"), strings.ReplaceAll(host, ".", "/"))
	return err == nil && ok
}
