package registry

import (
	"context"
	"fmt"
	"slices"
	"strings"
	"testing"
	"time"

	apierrors "k8s.io/apimachinery/pkg/api/errors"
	metainternalversion "k8s.io/apimachinery/pkg/apis/meta/internalversion"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	"k8s.io/apimachinery/pkg/runtime"
	"k8s.io/apimachinery/pkg/runtime/schema"
	"k8s.io/apimachinery/pkg/runtime/serializer"
	genericapirequest "k8s.io/apiserver/pkg/endpoints/request"
	"k8s.io/apiserver/pkg/registry/rest"

	"kubescape.io/kubescape/storage/apis/results/install"
	"kubescape.io/kubescape/storage/apis/results/resultstest"
	"kubescape.io/kubescape/storage/apis/results/v1beta1"
	"kubescape.io/kubescape/storage/sqlitestore"
)

// newAPI builds the group on a real SQLite store in a temporary directory.
func newAPI(t *testing.T, limits map[string]int64, alerts AlertRetention) *API {
	t.Helper()
	scheme := runtime.NewScheme()
	install.Install(scheme)
	metav1.AddToGroupVersion(scheme, schema.GroupVersion{Version: "v1"})
	codecs := serializer.NewCodecFactory(scheme)
	sizes := map[schema.GroupResource]int64{}
	for res, n := range DefaultMaxObjectSizes() {
		sizes[v1beta1.Resource(res)] = n
	}
	for res, n := range limits {
		sizes[v1beta1.Resource(res)] = n
	}
	db, err := sqlitestore.Open(t.TempDir(), sqlitestore.Options{MaxObjectSizes: sizes, SizeLimitFlag: "--max-object-size"})
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { _ = db.Close() })
	a, err := New(Config{
		Scheme: scheme, Codecs: codecs,
		RESTOptions: RESTOptionsGetter{DB: db, Codec: codecs.LegacyCodec(v1beta1.SchemeGroupVersion)},
		Alerts:      alerts,
	})
	if err != nil {
		t.Fatal(err)
	}
	return a
}

func inNamespace(ns string) context.Context {
	return genericapirequest.WithNamespace(context.Background(), ns)
}

func create(t *testing.T, a *API, resource string, obj runtime.Object) runtime.Object {
	t.Helper()
	m := obj.(metav1.Object)
	out, err := a.Storage(resource).(rest.Creater).Create(inNamespace(m.GetNamespace()), obj, rest.ValidateAllObjectFunc, &metav1.CreateOptions{})
	if err != nil {
		t.Fatalf("create %s %s: %v", resource, m.GetName(), err)
	}
	return out
}

func TestEveryResourceIsServed(t *testing.T) {
	a := newAPI(t, nil, AlertRetention{})
	info := a.GroupInfo()
	got := info.VersionedResourcesStorageMap["v1beta1"]
	var names []string
	for name := range got {
		names = append(names, name)
	}
	slices.Sort(names)
	want := []string{
		"applicationprofiles", "applicationprofiles/status", "configurationscansummaries", "filteredsboms",
		"generatednetworkpolicies", "knownservers", "networkneighborhoods", "networkneighborhoods/status",
		"openvulnerabilityexchangecontainers", "runtimealerts", "runtimealerts/status", "sboms",
		"seccompprofiles", "seccompprofiles/status", "vulnerabilitymanifests", "vulnerabilitymanifestsummaries",
		"workloadconfigurationscans", "workloadconfigurationscansummaries",
	}
	if !slices.Equal(names, want) {
		t.Errorf("resources:\n got %v\nwant %v", names, want)
	}
	// Every stored example of resultstest goes in and comes back.
	for _, obj := range resultstest.All() {
		if _, ok := obj.(*v1beta1.ConfigurationScanSummary); ok {
			continue
		}
		kinds, _, err := info.Scheme.ObjectKinds(obj)
		if err != nil {
			t.Fatal(err)
		}
		res := pluralOf(kinds[0].Kind)
		out := create(t, a, res, obj)
		m := out.(metav1.Object)
		if m.GetResourceVersion() == "" || m.GetGeneration() != 1 || m.GetUID() == "" {
			t.Errorf("%s: rv %q generation %d uid %q", res, m.GetResourceVersion(), m.GetGeneration(), m.GetUID())
		}
		back, err := a.Storage(res).(rest.Getter).Get(inNamespace(m.GetNamespace()), m.GetName(), &metav1.GetOptions{})
		if err != nil {
			t.Fatalf("get %s: %v", res, err)
		}
		if back.(metav1.Object).GetResourceVersion() != m.GetResourceVersion() {
			t.Errorf("%s: read back another version", res)
		}
	}
}

func pluralOf(kind string) string {
	for _, r := range resources() {
		if r.kind == kind {
			return r.plural
		}
	}
	panic("no resource for " + kind)
}

func TestStatusAndGeneration(t *testing.T) {
	a := newAPI(t, nil, AlertRetention{})
	alert := resultstest.RuntimeAlert()
	alert.Status = v1beta1.RuntimeAlertStatus{Acknowledged: true, AcknowledgedBy: "mallory", AcknowledgedAt: &resultstest.T1}
	created := create(t, a, "runtimealerts", alert).(*v1beta1.RuntimeAlert)
	if created.Status.Acknowledged {
		t.Error("a status sent with a create was stored; it belongs to /status")
	}
	ctx := inNamespace(created.Namespace)
	update := func(storage string, change func(*v1beta1.RuntimeAlert)) *v1beta1.RuntimeAlert {
		t.Helper()
		obj, _, err := a.Storage(storage).(rest.Updater).Update(ctx, created.Name, rest.DefaultUpdatedObjectInfo(nil, func(_ context.Context, _, oldObj runtime.Object) (runtime.Object, error) {
			o := oldObj.DeepCopyObject().(*v1beta1.RuntimeAlert)
			change(o)
			return o, nil
		}), rest.ValidateAllObjectFunc, rest.ValidateAllObjectUpdateFunc, false, &metav1.UpdateOptions{})
		if err != nil {
			t.Fatalf("update through %s: %v", storage, err)
		}
		return obj.(*v1beta1.RuntimeAlert)
	}
	got := update("runtimealerts", func(o *v1beta1.RuntimeAlert) {
		o.Spec.Count = 7
		o.Status.Acknowledged = true
		o.Status.AcknowledgedBy = "mallory"
		o.Status.AcknowledgedAt = &resultstest.T1
	})
	if got.Spec.Count != 7 || got.Generation != 2 || got.Status.Acknowledged {
		t.Errorf("spec update: count %d generation %d acknowledged %v; want 7, 2, false", got.Spec.Count, got.Generation, got.Status.Acknowledged)
	}
	got = update("runtimealerts", func(o *v1beta1.RuntimeAlert) { o.Labels["team"] = "payments" })
	if got.Generation != 2 {
		t.Errorf("a label change bumped the generation to %d", got.Generation)
	}
	got = update("runtimealerts/status", func(o *v1beta1.RuntimeAlert) {
		o.Spec.Count = 99
		o.Labels["team"] = "intruders"
		o.Status = v1beta1.RuntimeAlertStatus{Acknowledged: true, AcknowledgedBy: "alice", AcknowledgedAt: &resultstest.T1}
	})
	if !got.Status.Acknowledged || got.Status.AcknowledgedBy != "alice" || got.Spec.Count != 7 || got.Labels["team"] != "payments" || got.Generation != 2 {
		t.Errorf("status update: %+v labels %v generation %d; want acknowledged by alice, count 7, team payments, generation 2",
			got.Status, got.Labels, got.Generation)
	}
	// /status validates the status: acknowledged without a time is refused.
	_, _, err := a.Storage("runtimealerts/status").(rest.Updater).Update(ctx, created.Name, rest.DefaultUpdatedObjectInfo(nil, func(_ context.Context, _, oldObj runtime.Object) (runtime.Object, error) {
		o := oldObj.DeepCopyObject().(*v1beta1.RuntimeAlert)
		o.Status.AcknowledgedAt = nil
		return o, nil
	}), rest.ValidateAllObjectFunc, rest.ValidateAllObjectUpdateFunc, false, &metav1.UpdateOptions{})
	if !apierrors.IsInvalid(err) || !strings.Contains(err.Error(), "status.acknowledgedAt") {
		t.Errorf("status without acknowledgedAt: %v, want Invalid on status.acknowledgedAt", err)
	}
}

func TestSizeLimit(t *testing.T) {
	a := newAPI(t, map[string]int64{"sboms": 8 << 10}, AlertRetention{})
	sbom := resultstest.SBOM()
	sbom.Spec.Document.Raw = []byte(fmt.Sprintf(`{"padding":%q}`, strings.Repeat("x", 10<<10)))
	_, err := a.Storage("sboms").(rest.Creater).Create(inNamespace(sbom.Namespace), sbom, rest.ValidateAllObjectFunc, &metav1.CreateOptions{})
	if !apierrors.IsRequestEntityTooLargeError(err) {
		t.Fatalf("create of an SBOM over the limit: %v, want 413", err)
	}
	for _, want := range []string{"sboms.results.kubescape.io", sbom.Name, "8192 bytes", "limit for sboms", "--max-object-size sboms=SIZE"} {
		if !strings.Contains(err.Error(), want) {
			t.Errorf("error %q lacks %q", err, want)
		}
	}
	// Other resources keep their default limit.
	create(t, a, "vulnerabilitymanifests", resultstest.VulnerabilityManifest())
}

func TestConfigurationScanSummaryIsComputed(t *testing.T) {
	a := newAPI(t, nil, AlertRetention{})
	add := func(ns, name string, counts v1beta1.SeverityCounts, at metav1.Time) {
		w := resultstest.WorkloadConfigurationScanSummary()
		w.Namespace, w.Name = ns, name
		w.Spec.Resource.Namespace, w.Spec.Resource.Name = ns, name
		w.Spec.Severities, w.Spec.ScanTime = counts, at
		create(t, a, "workloadconfigurationscansummaries", w)
	}
	add("shop", "a", v1beta1.SeverityCounts{High: 2, Low: 1}, resultstest.T0)
	add("shop", "b", v1beta1.SeverityCounts{}, resultstest.T1)
	add("dev", "c", v1beta1.SeverityCounts{Critical: 1}, resultstest.T0)
	s := a.Storage("configurationscansummaries")
	obj, err := s.(rest.Getter).Get(context.Background(), "shop", &metav1.GetOptions{})
	if err != nil {
		t.Fatal(err)
	}
	sum := obj.(*v1beta1.ConfigurationScanSummary)
	if sum.Spec.Workloads != 2 || sum.Spec.FailedWorkloads != 1 || sum.Spec.Severities.High != 2 || sum.Spec.Severities.Low != 1 ||
		!sum.Spec.LastScanTime.Equal(&resultstest.T1) || len(sum.Spec.Summaries) != 2 || sum.Spec.Summaries[0].Name != "a" {
		t.Errorf("summary of shop: %+v", sum.Spec)
	}
	list, err := s.(rest.Lister).List(context.Background(), &metainternalversion.ListOptions{})
	if err != nil {
		t.Fatal(err)
	}
	items := list.(*v1beta1.ConfigurationScanSummaryList).Items
	if len(items) != 2 || items[0].Name != "dev" || items[1].Name != "shop" || items[0].Spec.Severities.Critical != 1 {
		t.Errorf("list: %+v", items)
	}
	if _, err := s.(rest.Getter).Get(context.Background(), "nowhere", &metav1.GetOptions{}); !apierrors.IsNotFound(err) {
		t.Errorf("summary of a namespace without scans: %v, want NotFound", err)
	}
	if _, ok := s.(rest.Creater); ok {
		t.Error("configurationscansummaries can be created")
	}
}

func TestPruneAlerts(t *testing.T) {
	a := newAPI(t, nil, AlertRetention{MaxAge: 24 * time.Hour, MaxCount: 3, Interval: time.Hour})
	now := time.Now()
	at := func(name, ns string, when time.Time) {
		alert := resultstest.RuntimeAlert()
		alert.Name, alert.Namespace = name, ns
		alert.Spec.Workload.Namespace = ns
		alert.Spec.Time = metav1.NewTime(when)
		alert.Spec.LastTime = nil
		create(t, a, "runtimealerts", alert)
	}
	at("old-1", "shop", now.Add(-48*time.Hour))
	at("old-2", "dev", now.Add(-25*time.Hour))
	at("new-1", "shop", now.Add(-3*time.Hour))
	at("new-2", "dev", now.Add(-2*time.Hour))
	at("new-3", "shop", now.Add(-1*time.Hour))
	at("new-4", "dev", now)
	n, err := a.PruneAlerts(context.Background(), now)
	if err != nil {
		t.Fatal(err)
	}
	list, err := a.Storage("runtimealerts").(rest.Lister).List(inNamespace(metav1.NamespaceAll), &metainternalversion.ListOptions{})
	if err != nil {
		t.Fatal(err)
	}
	var left []string
	for _, i := range list.(*v1beta1.RuntimeAlertList).Items {
		left = append(left, i.Name)
	}
	slices.Sort(left)
	if n != 3 || !slices.Equal(left, []string{"new-2", "new-3", "new-4"}) {
		t.Errorf("pruned %d, left %v; want 3 pruned and the 3 newest left", n, left)
	}
	// Nothing more to do the second time.
	if n, err := a.PruneAlerts(context.Background(), now); err != nil || n != 0 {
		t.Errorf("second prune: %d %v", n, err)
	}
}
