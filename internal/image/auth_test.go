package image

import (
	"encoding/base64"
	"errors"
	"net/http"
	"net/http/httptest"
	"net/url"
	"slices"
	"strings"
	"sync"
	"testing"

	"github.com/google/go-containerregistry/pkg/authn"
	"github.com/google/go-containerregistry/pkg/name"
)

func TestSecretKeychain(t *testing.T) {
	b64 := func(s string) string { return base64.StdEncoding.EncodeToString([]byte(s)) }
	configJSON := `{"auths":{
		"https://registry.example.com/v1/": {"auth": "` + b64("plain:p1") + `"},
		"registry.example.com/team": {"username": "team", "password": "p2"},
		"*.corp.example": {"username": "wild", "password": "p3"},
		"docker.io": {"auth": "` + b64("hub:p4") + `"},
		"localhost:5000": {"identitytoken": "tok"}
	}}`
	legacy := `{"legacy.example.com": {"auth": "` + b64("old:p5") + `"}}`
	entries, err := parseDockerConfig([]byte(configJSON))
	if err != nil {
		t.Fatal(err)
	}
	more, err := parseDockerConfig([]byte(legacy))
	if err != nil {
		t.Fatal(err)
	}
	kc := &secretKeychain{entries: append(entries, more...)}
	tests := []struct {
		repo, want string
	}{
		{"registry.example.com/app", "plain"},
		{"registry.example.com/team/app", "team"},
		{"registry.example.com/teamx/app", "plain"},
		{"eu.corp.example/app", "wild"},
		{"a.b.corp.example/app", ""},
		{"alpine", "hub"},
		{"index.docker.io/library/alpine", "hub"},
		{"legacy.example.com/x", "old"},
		{"localhost:5000/x", "<token>"},
		{"other.example.com/x", ""},
	}
	for _, tt := range tests {
		t.Run(tt.repo, func(t *testing.T) {
			repo, err := name.NewRepository(tt.repo)
			if err != nil {
				t.Fatal(err)
			}
			auth, err := kc.Resolve(repo)
			if err != nil {
				t.Fatal(err)
			}
			got := ""
			if auth != authn.Anonymous {
				cfg, err := auth.Authorization()
				if err != nil {
					t.Fatal(err)
				}
				got = cfg.Username
				if cfg.IdentityToken != "" {
					got = "<token>"
				}
			}
			if got != tt.want {
				t.Errorf("user %q, want %q", got, tt.want)
			}
		})
	}
	for _, bad := range []string{`not json`, `{"auths":{"r.example":{"auth":"!!!"}}}`, `{"auths":{"r.example":{"auth":"` + b64("nocolon") + `"}}}`, `["x"]`} {
		if _, err := NewKeychain([]byte(bad)); err == nil {
			t.Errorf("NewKeychain(%s) accepted", bad)
		}
	}
}

// get requests u with client and closes the response body; it returns the
// request's error.
func get(t *testing.T, client *http.Client, u string) error {
	t.Helper()
	resp, err := client.Get(u)
	if err != nil {
		return err
	}
	if err := resp.Body.Close(); err != nil {
		t.Errorf("closing the response of GET %s: %v", u, err)
	}
	return nil
}

func TestEgressGuard(t *testing.T) {
	var mu sync.Mutex
	var hits []string
	hit := func(s string) {
		mu.Lock()
		hits = append(hits, s)
		mu.Unlock()
	}
	other := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		hit("other" + r.URL.Path)
		if _, err := w.Write([]byte("blob")); err != nil {
			t.Errorf("writing the blob: %v", err)
		}
	}))
	defer other.Close()
	token := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		hit("token" + r.URL.Path)
	}))
	defer token.Close()
	regSrv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		hit("registry" + r.URL.Path)
		switch r.URL.Path {
		case "/v2/":
			w.Header().Set("WWW-Authenticate", `Bearer realm="`+token.URL+`/token",service="test"`)
			w.WriteHeader(http.StatusUnauthorized)
		case "/v2/x/blobs/sha256:1":
			http.Redirect(w, r, other.URL+"/storage/1", http.StatusTemporaryRedirect)
		}
	}))
	defer regSrv.Close()
	host := func(s string) string { u, _ := url.Parse(s); return u.Host }
	client := &http.Client{Transport: newEgressGuard(http.DefaultTransport, host(regSrv.URL))}

	// Another host, before the registry names it, is refused without a connection.
	if err := get(t, client, token.URL+"/token"); !errors.Is(err, errEgressBlocked) {
		t.Errorf("token host before the challenge: %v", err)
	}
	if err := get(t, client, other.URL+"/direct"); !errors.Is(err, errEgressBlocked) || !strings.Contains(err.Error(), "is not the image's registry") {
		t.Errorf("unrelated host: %v", err)
	}
	// The registry's challenge names the token service; its redirect names the blob store.
	for _, u := range []string{regSrv.URL + "/v2/", token.URL + "/token", regSrv.URL + "/v2/x/blobs/sha256:1"} {
		if err := get(t, client, u); err != nil {
			t.Fatalf("GET %s: %v", u, err)
		}
	}
	want := []string{"registry/v2/", "token/token", "registry/v2/x/blobs/sha256:1", "other/storage/1"}
	mu.Lock()
	defer mu.Unlock()
	if !slices.Equal(hits, want) {
		t.Errorf("requests %v, want %v", hits, want)
	}
}

func TestOfflineScanReachesTheRegistry(t *testing.T) {
	img, err := newScanner(t, Options{Offline: true}).Scan(t.Context(), mustInput(t, alpRef))
	if err != nil {
		t.Fatal(err)
	}
	if !slices.Equal(summary(img.Findings), wantAlpine) {
		t.Errorf("offline findings %v", summary(img.Findings))
	}
}
