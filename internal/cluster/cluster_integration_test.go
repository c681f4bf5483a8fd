package cluster_test

import (
	"context"
	"fmt"
	"slices"
	"strings"
	"testing"
	"time"

	"k8s.io/client-go/tools/clientcmd"

	"kubescape.io/kubescape/internal/cluster"
	"kubescape.io/kubescape/internal/resource"
	"kubescape.io/kubescape/internal/testcluster"
)

const objects = `
apiVersion: v1
kind: Namespace
metadata: {name: shop}
---
apiVersion: v1
kind: Namespace
metadata: {name: other}
---
apiVersion: apps/v1
kind: Deployment
metadata: {name: web, namespace: shop, labels: {app: web}}
spec:
  selector: {matchLabels: {app: web}}
  template:
    metadata: {labels: {app: web}}
    spec:
      containers: [{name: web, image: nginx:1.27}]
---
apiVersion: apps/v1
kind: Deployment
metadata: {name: db, namespace: shop, labels: {app: db}}
spec:
  selector: {matchLabels: {app: db}}
  template:
    metadata: {labels: {app: db}}
    spec:
      containers: [{name: db, image: postgres:17}]
---
apiVersion: apps/v1
kind: Deployment
metadata: {name: web, namespace: other, labels: {app: web}}
spec:
  selector: {matchLabels: {app: web}}
  template:
    metadata: {labels: {app: web}}
    spec:
      containers: [{name: web, image: nginx:1.27}]
---
apiVersion: rbac.authorization.k8s.io/v1
kind: RoleBinding
metadata: {name: readers, namespace: other}
roleRef: {apiGroup: rbac.authorization.k8s.io, kind: ClusterRole, name: view}
subjects: [{kind: ServiceAccount, name: default, namespace: shop}]
`

func configMaps(n int) string {
	var b strings.Builder
	for i := range n {
		fmt.Fprintf(&b, "---\napiVersion: v1\nkind: ConfigMap\nmetadata: {name: cm-%02d, namespace: shop}\ndata: {k: v}\n", i)
	}
	return b.String()
}

// names lists the evaluated objects, and the context-only ones marked with
// a trailing "*", of the given kinds.
func names(objs []resource.Object, kinds ...string) []string {
	var out []string
	for _, o := range objs {
		if !slices.Contains(kinds, o.Ref().Kind) {
			continue
		}
		s := o.Ref().String()
		if o.ContextOnly {
			s += "*"
		}
		out = append(out, s)
	}
	slices.Sort(out)
	return out
}

func TestReadLiveCluster(t *testing.T) {
	c := testcluster.Start(t)
	c.Apply(t, objects+configMaps(7))
	ctx := context.Background()
	read := func(t *testing.T, o cluster.Options) *cluster.Result {
		t.Helper()
		o.Config = c.RESTConfig()
		res, err := cluster.Read(ctx, o)
		if err != nil {
			t.Fatal(err)
		}
		return res
	}
	t.Run("pages, origins and version", func(t *testing.T) {
		res := read(t, cluster.Options{Kinds: []string{"ConfigMap", "Deployment"}, PageSize: 2})
		got := names(res.Objects, "ConfigMap")
		want := 0
		for _, n := range got {
			if strings.HasPrefix(n, "ConfigMap/shop/cm-") {
				want++
			}
		}
		if want != 7 {
			t.Errorf("listed %d of the 7 ConfigMaps in pages of 2: %v", want, got)
		}
		if !strings.HasPrefix(res.Version, "v1.") {
			t.Errorf("server version %q", res.Version)
		}
		for _, o := range res.Objects {
			if o.Ref() == (resource.Ref{APIVersion: "apps/v1", Kind: "Deployment", Namespace: "shop", Name: "web"}) {
				if o.Origin.Kind != resource.OriginCluster || o.Origin.Path != "/apis/apps/v1/namespaces/shop/deployments/web" {
					t.Errorf("origin %+v", o.Origin)
				}
				content, err := o.Decoded()
				if err != nil {
					t.Fatal(err)
				}
				if md := content["metadata"].(map[string]any); md["managedFields"] != nil {
					t.Error("managedFields kept")
				}
			}
		}
		if len(res.Problems) != 0 {
			t.Errorf("problems: %v", res.Problems)
		}
	})
	t.Run("namespaces, labels and kinds select what is evaluated; related kinds stay whole", func(t *testing.T) {
		res := read(t, cluster.Options{
			Kinds:             []string{"Deployment", "Namespace", "RoleBinding"},
			Related:           []string{"RoleBinding"},
			IncludeNamespaces: []string{"shop"},
			Selector:          "app=web",
		})
		var mine []string
		for _, n := range names(res.Objects, "Deployment", "RoleBinding") {
			if strings.Contains(n, "/shop/") || strings.Contains(n, "/other/") {
				mine = append(mine, n)
			}
		}
		got := strings.Join(mine, " ")
		want := "Deployment/shop/web RoleBinding/other/readers*"
		if got != want {
			t.Errorf("got %s, want %s", got, want)
		}
		if got := strings.Join(names(res.Objects, "Namespace"), " "); got != "" {
			t.Errorf("namespaces without the label were evaluated: %s", got)
		}
		res = read(t, cluster.Options{Kinds: []string{"Deployment", "ConfigMap"}, IncludeKinds: []string{"deployments.apps"}, ExcludeNamespaces: []string{"other"}})
		if got := strings.Join(names(res.Objects, "Deployment", "ConfigMap"), " "); got != "Deployment/shop/db Deployment/shop/web" {
			t.Errorf("include-kinds and exclude-namespaces: %s", got)
		}
	})
	t.Run("timeout", func(t *testing.T) {
		short, cancel := context.WithTimeout(ctx, time.Nanosecond)
		defer cancel()
		<-short.Done()
		_, err := cluster.Read(short, cluster.Options{Config: c.RESTConfig(), Kinds: []string{"Deployment", "ConfigMap"}})
		if err == nil || !strings.Contains(err.Error(), "timed out (raise --timeout)") {
			t.Errorf("got %v, want a timeout that says to raise --timeout", err)
		}
	})
	t.Run("unknown kind", func(t *testing.T) {
		_, err := cluster.Read(ctx, cluster.Options{Config: c.RESTConfig(), Kinds: []string{"Deployment"}, IncludeKinds: []string{"deploymnets"}})
		if err == nil || !strings.Contains(err.Error(), "deploymnets") {
			t.Errorf("got %v", err)
		}
	})
	t.Run("least privileged user gets a partial scan", func(t *testing.T) {
		cfg, err := clientcmd.BuildConfigFromFlags("", c.UserKubeconfig)
		if err != nil {
			t.Fatal(err)
		}
		c.Apply(t, strings.ReplaceAll(`apiVersion: apps/v1
kind: Deployment
metadata: {name: mine, namespace: NS}
spec:
  selector: {matchLabels: {app: mine}}
  template:
    metadata: {labels: {app: mine}}
    spec:
      containers: [{name: c, image: busybox:1.37}]
`, "NS", c.UserNamespace))
		opts := cluster.Options{Config: cfg, Kinds: []string{"Deployment", "Pod", "ClusterRole"}, Related: []string{"ClusterRole"}, IncludeNamespaces: []string{c.UserNamespace}}
		res, err := cluster.Read(ctx, opts)
		if err != nil {
			t.Fatal(err)
		}
		if got := strings.Join(names(res.Objects, "Deployment"), " "); got != "Deployment/"+c.UserNamespace+"/mine" {
			t.Errorf("user's deployments: %s", got)
		}
		var forbidden []string
		for _, p := range res.Problems {
			if strings.Contains(p.Reason, "not scanned: forbidden") {
				forbidden = append(forbidden, p.Source)
			}
		}
		if !slices.Contains(forbidden, "cluster: clusterroles.rbac.authorization.k8s.io") {
			t.Errorf("forbidden kinds %v, want clusterroles among them; problems %v", forbidden, res.Problems)
		}
		// Without the namespace, every list is cluster-wide and forbidden:
		// still a report, not an error.
		opts.IncludeNamespaces = nil
		res, err = cluster.Read(ctx, opts)
		if err != nil {
			t.Fatal(err)
		}
		if len(res.Objects) != 0 || len(res.Problems) < 3 {
			t.Errorf("cluster-wide as the user: %d objects, problems %v", len(res.Objects), res.Problems)
		}
	})
}
