// Package server assembles the storage server: k8s.io/apiserver's generic
// server with delegated authentication and authorization, the
// results.kubescape.io API group of storage/registry, and the SQLite store of
// storage/sqlitestore. Options → Complete → Validate → Run, as in the
// sample-apiserver.
package server

import (
	"context"
	"fmt"
	"net"
	"net/http"
	"strings"

	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	"k8s.io/apimachinery/pkg/runtime"
	"k8s.io/apimachinery/pkg/runtime/schema"
	"k8s.io/apimachinery/pkg/runtime/serializer"
	"k8s.io/apiserver/pkg/authentication/authenticator"
	"k8s.io/apiserver/pkg/authentication/user"
	"k8s.io/apiserver/pkg/endpoints/openapi"
	genericapiserver "k8s.io/apiserver/pkg/server"
	"k8s.io/apiserver/pkg/util/compatibility"
	utilfeature "k8s.io/apiserver/pkg/util/feature"
	netutils "k8s.io/utils/net"

	"kubescape.io/kubescape/internal/version"
	"kubescape.io/kubescape/storage/apis/results/install"
	"kubescape.io/kubescape/storage/apis/results/v1beta1"
	generatedopenapi "kubescape.io/kubescape/storage/generated/openapi"
	"kubescape.io/kubescape/storage/registry"
	"kubescape.io/kubescape/storage/sqlitestore"
)

var (
	// Scheme holds the results.kubescape.io types (v1beta1, also registered
	// as the internal version) and the meta types the server needs.
	Scheme = runtime.NewScheme()
	// Codecs encodes and decodes them.
	Codecs = serializer.NewCodecFactory(Scheme)
)

func init() {
	install.Install(Scheme)
	// The unversioned meta types every API server serves (discovery, Status).
	metav1.AddToGroupVersion(Scheme, schema.GroupVersion{Version: "v1"})
	unversioned := schema.GroupVersion{Group: "", Version: "v1"}
	Scheme.AddUnversionedTypes(unversioned, &metav1.Status{}, &metav1.APIVersions{},
		&metav1.APIGroupList{}, &metav1.APIGroup{}, &metav1.APIResourceList{})
}

// Run starts the server and blocks until ctx is done.
func (o *Options) Run(ctx context.Context) error {
	srv, err := o.New()
	if err != nil {
		return err
	}
	return srv.Run(ctx)
}

// Server is a configured, not yet running storage server.
type Server struct {
	generic *genericapiserver.GenericAPIServer
	db      *sqlitestore.DB
}

// New opens the store and builds the server.
func (o *Options) New() (*Server, error) {
	r := o.Recommended
	ips := append([]net.IP{netutils.ParseIPSloppy("127.0.0.1")}, o.AlternateIPs...)
	if err := r.SecureServing.MaybeDefaultWithSelfSignedCerts("localhost", o.AlternateDNS, ips); err != nil {
		return nil, fmt.Errorf("creating a self-signed serving certificate: %w", err)
	}
	cfg := genericapiserver.NewRecommendedConfig(Codecs)
	cfg.EffectiveVersion = compatibility.DefaultBuildEffectiveVersion()
	cfg.FeatureGate = utilfeature.DefaultFeatureGate
	// The namer gives each definition its group/version/kind; a scheme
	// with only v1beta1 keeps the internal version out of the published
	// OpenAPI.
	openapiScheme := runtime.NewScheme()
	if err := v1beta1.AddToScheme(openapiScheme); err != nil {
		return nil, err
	}
	namer := openapi.NewDefinitionNamer(openapiScheme)
	cfg.OpenAPIConfig = genericapiserver.DefaultOpenAPIConfig(generatedopenapi.GetOpenAPIDefinitions, namer)
	cfg.OpenAPIConfig.Info.Title = "Kubescape storage"
	cfg.OpenAPIConfig.Info.Version = version.Version
	cfg.OpenAPIV3Config = genericapiserver.DefaultOpenAPIV3Config(generatedopenapi.GetOpenAPIDefinitions, namer)
	cfg.OpenAPIV3Config.Info.Title = "Kubescape storage"
	cfg.OpenAPIV3Config.Info.Version = version.Version
	// Bodies up to the largest per-resource limit are read; each resource
	// then enforces its own limit with a 413 naming it.
	var largest int64
	for _, n := range o.maxSizes {
		largest = max(largest, n)
	}
	cfg.MaxRequestBodyBytes = largest + 64<<10
	cfg.JSONPatchMaxCopyBytes = cfg.MaxRequestBodyBytes

	if err := r.ApplyTo(cfg); err != nil {
		return nil, err
	}
	// Delegated authentication lets anonymous requests through to
	// authorization; here nothing is readable anonymously: they get 401 but
	// for the health endpoints the kubelet probes.
	if cfg.Authentication.Authenticator != nil {
		cfg.Authentication.Authenticator = healthOnlyAnonymous{cfg.Authentication.Authenticator}
	}

	limits := map[schema.GroupResource]int64{}
	for res, n := range o.maxSizes {
		limits[v1beta1.Resource(res)] = n
	}
	db, err := sqlitestore.Open(o.DataDir, sqlitestore.Options{
		RetainDuration:     o.History,
		RetainRevisions:    retainRevisions(o.HistoryRevisions),
		CompactionInterval: o.CompactionInterval,
		// Each resource's limit, refused with a 413 that names the flag.
		MaxObjectSizes: limits,
		SizeLimitFlag:  "--max-object-size",
	})
	if err != nil {
		return nil, fmt.Errorf("opening the store in %s: %w", o.DataDir, err)
	}
	cfg.RESTOptionsGetter = registry.RESTOptionsGetter{DB: db, Codec: newStorageCodec(Scheme, Codecs.LegacyCodec(v1beta1.SchemeGroupVersion))}

	gs, err := cfg.Complete().New("kubescape-storage", genericapiserver.NewEmptyDelegate())
	if err != nil {
		_ = db.Close()
		return nil, err
	}
	api, err := registry.New(registry.Config{
		Scheme:      Scheme,
		Codecs:      Codecs,
		RESTOptions: cfg.RESTOptionsGetter,
		Alerts: registry.AlertRetention{
			MaxAge: o.AlertMaxAge, MaxCount: o.AlertMaxCount, Interval: o.AlertPruneInterval,
		},
	})
	if err != nil {
		_ = db.Close()
		return nil, err
	}
	info := api.GroupInfo()
	if err := gs.InstallAPIGroup(&info); err != nil {
		_ = db.Close()
		return nil, err
	}
	gs.AddPostStartHookOrDie("kubescape-storage-informers", func(ctx genericapiserver.PostStartHookContext) error {
		if cfg.SharedInformerFactory != nil {
			cfg.SharedInformerFactory.Start(ctx.Done())
		}
		return nil
	})
	gs.AddPostStartHookOrDie("kubescape-storage-alert-retention", func(ctx genericapiserver.PostStartHookContext) error {
		go api.RunAlertRetention(ctx)
		return nil
	})
	return &Server{generic: gs, db: db}, nil
}

// Run serves until ctx is done, then closes the store.
func (s *Server) Run(ctx context.Context) error {
	err := s.generic.PrepareRun().RunWithContext(ctx)
	if cerr := s.db.Close(); err == nil {
		err = cerr
	}
	return err
}

// healthOnlyAnonymous refuses anonymous requests (401) except for the
// health endpoints.
type healthOnlyAnonymous struct{ authenticator.Request }

func (a healthOnlyAnonymous) AuthenticateRequest(req *http.Request) (*authenticator.Response, bool, error) {
	resp, ok, err := a.Request.AuthenticateRequest(req)
	if ok && resp != nil && resp.User.GetName() == user.Anonymous && !healthPath(req.URL.Path) {
		return nil, false, nil
	}
	return resp, ok, err
}

func healthPath(p string) bool {
	for _, h := range []string{"/healthz", "/livez", "/readyz"} {
		if p == h || strings.HasPrefix(p, h+"/") {
			return true
		}
	}
	return false
}

// retainRevisions maps --history-revisions to the store's option, where 0
// means its default and a negative number none.
func retainRevisions(n int64) int64 {
	if n == 0 {
		return -1
	}
	return n
}
