package image

import (
	"cmp"
	"encoding/base64"
	"slices"
	"strings"

	"kubescape.io/kubescape/internal/image/vulnreport"
	"kubescape.io/kubescape/internal/resource"
)

// Name is a namespaced object name.
type Name struct {
	Namespace, Name string
}

// WorkloadImages are the images the scanned workloads run, and what their
// pods name to pull them.
type WorkloadImages struct {
	// Refs are the images, each with the workloads that run it; an image
	// known to run under several digests appears once per digest.
	Refs []Ref
	// PullSecrets are the imagePullSecrets the pod specs name.
	PullSecrets []Name
	// ServiceAccounts are the service accounts the pods run as: their
	// imagePullSecrets apply to the pods too.
	ServiceAccounts []Name
}

var containerFields = []string{"initContainers", "containers", "ephemeralContainers"}

// CollectWorkloadImages finds the images of the workloads among objects:
// every pod controller and Pod that is evaluated (not ContextOnly) names its
// images and the workloads running them. The digest an image runs under
// comes from the status of any Pod among objects (context-only Pods
// included: those of a scanned Deployment tell which digest its tag
// resolved to), matched by namespace and image reference.
func CollectWorkloadImages(objects []resource.Object) WorkloadImages {
	type key struct{ ns, image string }
	digests := map[key][]string{}
	workloads := map[key][]vulnreport.Workload{}
	var order []key
	secrets := map[Name]bool{}
	accounts := map[Name]bool{}
	for i := range objects {
		o := &objects[i]
		ref := o.Ref()
		path, ok := resource.PodTemplatePath(ref.Kind, "spec")
		if !ok || (o.ContextOnly && ref.Kind != "Pod") {
			continue
		}
		content, err := o.Decoded()
		if err != nil {
			continue
		}
		spec, _ := lookup(content, path).(map[string]any)
		if spec == nil {
			continue
		}
		ns := ref.Namespace
		if ns == "" {
			ns = "default"
		}
		images := map[string]string{} // container name -> image
		for _, field := range containerFields {
			for _, c := range asList(spec[field]) {
				c, _ := c.(map[string]any)
				name, _ := c["name"].(string)
				img, _ := c["image"].(string)
				if img = strings.TrimSpace(img); img == "" {
					continue
				}
				images[name] = img
				if o.ContextOnly {
					continue
				}
				k := key{ns, img}
				if _, seen := workloads[k]; !seen {
					order = append(order, k)
				}
				workloads[k] = append(workloads[k], vulnreport.Workload{Kind: ref.Kind, Namespace: ref.Namespace, Name: ref.Name, Container: name})
			}
		}
		if ref.Kind == "Pod" {
			status, _ := content["status"].(map[string]any)
			for _, field := range []string{"initContainerStatuses", "containerStatuses", "ephemeralContainerStatuses"} {
				for _, st := range asList(status[field]) {
					st, _ := st.(map[string]any)
					name, _ := st["name"].(string)
					id, _ := st["imageID"].(string)
					d := digestOf(id)
					img, ok := images[name]
					if d == "" || !ok {
						continue
					}
					k := key{ns, img}
					if !slices.Contains(digests[k], d) {
						digests[k] = append(digests[k], d)
					}
				}
			}
		}
		if o.ContextOnly {
			continue
		}
		for _, s := range asList(spec["imagePullSecrets"]) {
			s, _ := s.(map[string]any)
			if name, _ := s["name"].(string); name != "" {
				secrets[Name{ns, name}] = true
			}
		}
		sa, _ := spec["serviceAccountName"].(string)
		if sa == "" {
			sa = "default"
		}
		accounts[Name{ns, sa}] = true
	}
	var out WorkloadImages
	for _, k := range order {
		ds := digests[k]
		if len(ds) == 0 {
			ds = []string{""}
		}
		for _, d := range ds {
			out.Refs = append(out.Refs, Ref{Ref: k.image, Digest: d, Workloads: workloads[k]})
		}
	}
	out.PullSecrets = sortedNames(secrets)
	out.ServiceAccounts = sortedNames(accounts)
	return out
}

// digestOf extracts sha256:... from a container status imageID, which the
// runtime writes as repo@sha256:..., docker-pullable://repo@sha256:... or a
// bare sha256:... (an image ID, not a manifest digest: ignored).
func digestOf(imageID string) string {
	i := strings.LastIndex(imageID, "@")
	if i < 0 {
		return ""
	}
	d := imageID[i+1:]
	if !strings.HasPrefix(d, "sha256:") || len(d) != len("sha256:")+64 {
		return ""
	}
	return d
}

func lookup(v any, path []string) any {
	for _, p := range path {
		m, ok := v.(map[string]any)
		if !ok {
			return nil
		}
		v = m[p]
	}
	return v
}

func asList(v any) []any {
	l, _ := v.([]any)
	return l
}

func sortedNames(set map[Name]bool) []Name {
	out := make([]Name, 0, len(set))
	for n := range set {
		out = append(out, n)
	}
	slices.SortFunc(out, func(a, b Name) int {
		return cmp.Or(strings.Compare(a.Namespace, b.Namespace), strings.Compare(a.Name, b.Name))
	})
	return out
}

// Pull secret types and the keys that hold their docker config.
const (
	SecretTypeDockerConfigJSON = "kubernetes.io/dockerconfigjson"
	SecretTypeDockercfg        = "kubernetes.io/dockercfg"
)

// DockerConfigOf returns the docker config a pull secret holds, given its
// type and data (values as stored in the Secret: raw bytes from the API, or
// base64 text in a manifest when encoded is true). It returns nil for a
// Secret of another type or without the key.
func DockerConfigOf(secretType string, data map[string][]byte) []byte {
	switch secretType {
	case SecretTypeDockerConfigJSON:
		return data[".dockerconfigjson"]
	case SecretTypeDockercfg:
		return data[".dockercfg"]
	}
	return nil
}

// ManifestPullSecrets returns the docker configs of the pull secrets among
// objects (Secrets of a manifest scan, whose data values are base64) that
// the workloads name.
func ManifestPullSecrets(objects []resource.Object, names []Name) [][]byte {
	want := map[Name]bool{}
	for _, n := range names {
		want[n] = true
	}
	var out [][]byte
	for i := range objects {
		o := &objects[i]
		ref := o.Ref()
		ns := ref.Namespace
		if ns == "" {
			ns = "default"
		}
		if ref.Kind != "Secret" || !want[Name{ns, ref.Name}] {
			continue
		}
		content, err := o.Decoded()
		if err != nil {
			continue
		}
		typ, _ := content["type"].(string)
		data := map[string][]byte{}
		raw, _ := content["data"].(map[string]any)
		for k, v := range raw {
			s, _ := v.(string)
			if b, err := base64.StdEncoding.DecodeString(s); err == nil {
				data[k] = b
			}
		}
		stringData, _ := content["stringData"].(map[string]any)
		for k, v := range stringData {
			if s, ok := v.(string); ok {
				data[k] = []byte(s)
			}
		}
		if cfg := DockerConfigOf(typ, data); cfg != nil {
			out = append(out, cfg)
		}
	}
	return out
}
