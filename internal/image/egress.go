package image

import (
	"errors"
	"fmt"
	"net/http"
	"net/url"
	"regexp"
	"sync"
)

// errEgressBlocked is returned for a request an offline scan may not make.
var errEgressBlocked = errors.New("offline: request blocked")

// egressGuard lets an offline scan reach the image's registry and nothing
// else: the registry host, the token service its authentication challenge
// names, and the hosts it redirects to (blob storage).
type egressGuard struct {
	base http.RoundTripper

	mu      sync.Mutex
	allowed map[string]bool
}

func newEgressGuard(base http.RoundTripper, registry string) *egressGuard {
	return &egressGuard{base: base, allowed: map[string]bool{registry: true}}
}

var realmRE = regexp.MustCompile(`realm="([^"]+)"`)

func (g *egressGuard) RoundTrip(req *http.Request) (*http.Response, error) {
	host := req.URL.Host
	g.mu.Lock()
	ok := g.allowed[host]
	if !ok && req.Response != nil && req.Response.Request != nil && g.allowed[req.Response.Request.URL.Host] {
		// A redirect from an allowed host, as registries do for blobs.
		g.allowed[host], ok = true, true
	}
	g.mu.Unlock()
	if !ok {
		return nil, fmt.Errorf("%w: %s is not the image's registry", errEgressBlocked, host)
	}
	resp, err := g.base.RoundTrip(req)
	if err == nil && resp.StatusCode == http.StatusUnauthorized {
		for _, h := range resp.Header.Values("WWW-Authenticate") {
			if m := realmRE.FindStringSubmatch(h); m != nil {
				if u, perr := url.Parse(m[1]); perr == nil && u.Host != "" {
					g.mu.Lock()
					g.allowed[u.Host] = true
					g.mu.Unlock()
				}
			}
		}
	}
	return resp, err
}
