package image

import (
	"encoding/base64"
	"reflect"
	"strings"
	"testing"

	"sigs.k8s.io/yaml"

	"kubescape.io/kubescape/internal/image/vulnreport"
	"kubescape.io/kubescape/internal/resource"
)

func objectsOf(t *testing.T, docs string, contextOnly ...string) []resource.Object {
	t.Helper()
	var out []resource.Object
	for _, doc := range strings.Split(docs, "\n---\n") {
		var m map[string]any
		if err := yaml.Unmarshal([]byte(doc), &m); err != nil {
			t.Fatal(err)
		}
		o := resource.Object{Content: m, Origin: resource.Origin{Kind: resource.OriginCluster}}
		for _, c := range contextOnly {
			if o.Ref().Kind+"/"+o.Ref().Name == c {
				o.ContextOnly = true
			}
		}
		out = append(out, o)
	}
	return out
}

const (
	digestA = "sha256:aaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaa"
	digestB = "sha256:bbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbb"
)

func TestCollectWorkloadImages(t *testing.T) {
	objs := objectsOf(t, `
apiVersion: apps/v1
kind: Deployment
metadata: {name: web, namespace: shop}
spec:
  template:
    spec:
      serviceAccountName: web
      imagePullSecrets: [{name: regcred}]
      initContainers: [{name: init, image: "reg.example/tools:1"}]
      containers: [{name: app, image: "reg.example/web:2"}]
---
apiVersion: v1
kind: Pod
metadata: {name: web-1, namespace: shop}
spec:
  containers: [{name: app, image: "reg.example/web:2"}]
status:
  containerStatuses: [{name: app, imageID: "reg.example/web@`+digestA+`"}]
---
apiVersion: v1
kind: Pod
metadata: {name: web-2, namespace: shop}
spec:
  containers: [{name: app, image: "reg.example/web:2"}]
status:
  containerStatuses: [{name: app, imageID: "docker-pullable://reg.example/web@`+digestB+`"}]
---
apiVersion: batch/v1
kind: CronJob
metadata: {name: backup}
spec:
  jobTemplate:
    spec:
      template:
        spec:
          containers: [{name: dump, image: "reg.example/web:2"}]
---
apiVersion: apps/v1
kind: Deployment
metadata: {name: ignored, namespace: kube-system}
spec:
  template:
    spec:
      containers: [{name: x, image: "reg.example/system:1"}]
---
apiVersion: v1
kind: ConfigMap
metadata: {name: cfg, namespace: shop}
data: {image: "not/an-image:1"}`, "Pod/web-1", "Pod/web-2", "Deployment/ignored")

	got := CollectWorkloadImages(objs)
	web := vulnreport.Workload{Kind: "Deployment", Namespace: "shop", Name: "web", Container: "app"}
	want := []Ref{
		{Ref: "reg.example/tools:1", Workloads: []vulnreport.Workload{{Kind: "Deployment", Namespace: "shop", Name: "web", Container: "init"}}},
		// The tag runs under two digests in shop: both are scanned, each
		// linked to the Deployment.
		{Ref: "reg.example/web:2", Digest: digestA, Workloads: []vulnreport.Workload{web}},
		{Ref: "reg.example/web:2", Digest: digestB, Workloads: []vulnreport.Workload{web}},
		// In default no Pod says which digest: the tag is resolved.
		{Ref: "reg.example/web:2", Workloads: []vulnreport.Workload{{Kind: "CronJob", Name: "backup", Container: "dump"}}},
	}
	if !reflect.DeepEqual(got.Refs, want) {
		t.Errorf("refs:\n got %+v\nwant %+v", got.Refs, want)
	}
	if want := []Name{{"shop", "regcred"}}; !reflect.DeepEqual(got.PullSecrets, want) {
		t.Errorf("pull secrets %v, want %v", got.PullSecrets, want)
	}
	if want := []Name{{"default", "default"}, {"shop", "web"}}; !reflect.DeepEqual(got.ServiceAccounts, want) {
		t.Errorf("service accounts %v, want %v", got.ServiceAccounts, want)
	}
}

func TestDigestOf(t *testing.T) {
	for id, want := range map[string]string{
		"reg.example/web@" + digestA:                   digestA,
		"docker-pullable://reg.example/web@" + digestB: digestB,
		digestA:                          "", // an image ID, not a manifest digest
		"reg.example/web@sha256:short":   "",
		"reg.example/web@sha512:" + "ab": "",
		"":                               "",
	} {
		if got := digestOf(id); got != want {
			t.Errorf("digestOf(%q) = %q, want %q", id, got, want)
		}
	}
}

func TestManifestPullSecrets(t *testing.T) {
	cfg := `{"auths":{"reg.example":{"auth":"dTpw"}}}`
	objs := objectsOf(t, `
apiVersion: v1
kind: Secret
metadata: {name: regcred, namespace: shop}
type: kubernetes.io/dockerconfigjson
data: {.dockerconfigjson: `+base64.StdEncoding.EncodeToString([]byte(cfg))+`}
---
apiVersion: v1
kind: Secret
metadata: {name: legacy}
type: kubernetes.io/dockercfg
stringData: {.dockercfg: '{"reg.old":{"auth":"dTpw"}}'}
---
apiVersion: v1
kind: Secret
metadata: {name: unnamed, namespace: shop}
type: kubernetes.io/dockerconfigjson
data: {.dockerconfigjson: `+base64.StdEncoding.EncodeToString([]byte(cfg))+`}
---
apiVersion: v1
kind: Secret
metadata: {name: opaque, namespace: shop}
data: {.dockerconfigjson: e30=}`)
	got := ManifestPullSecrets(objs, []Name{{"shop", "regcred"}, {"default", "legacy"}, {"shop", "opaque"}})
	if len(got) != 2 || string(got[0]) != cfg || string(got[1]) != `{"reg.old":{"auth":"dTpw"}}` {
		t.Errorf("docker configs %q", got)
	}
	if _, err := NewKeychain(got...); err != nil {
		t.Errorf("the configs do not make a keychain: %v", err)
	}
}
