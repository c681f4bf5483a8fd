package vap

import (
	"fmt"
	"slices"

	"k8s.io/apimachinery/pkg/runtime/schema"
)

// Resource is where the API serves a kind: its group, version and plural
// resource name, and whether its objects live in a namespace.
type Resource struct {
	schema.GroupVersionResource
	Kind       string
	Namespaced bool
}

// GVK returns the group, version and kind of the resource.
func (r Resource) GVK() schema.GroupVersionKind {
	return r.GroupVersion().WithKind(r.Kind)
}

// resources maps each kind a control may evaluate to the API resource that
// serves it (the version every supported Kubernetes release serves).
var resources = func() map[string]Resource {
	out := map[string]Resource{}
	add := func(group, version string, namespaced bool, kindsAndResources ...string) {
		for i := 0; i < len(kindsAndResources); i += 2 {
			kind, res := kindsAndResources[i], kindsAndResources[i+1]
			out[kind] = Resource{
				GroupVersionResource: schema.GroupVersionResource{Group: group, Version: version, Resource: res},
				Kind:                 kind,
				Namespaced:           namespaced,
			}
		}
	}
	add("", "v1", true,
		"Pod", "pods",
		"ReplicationController", "replicationcontrollers",
		"Service", "services",
		"ServiceAccount", "serviceaccounts",
		"ConfigMap", "configmaps",
		"Secret", "secrets",
		"Endpoints", "endpoints",
		"PersistentVolumeClaim", "persistentvolumeclaims",
		"PodTemplate", "podtemplates",
		"LimitRange", "limitranges",
		"ResourceQuota", "resourcequotas",
	)
	add("", "v1", false,
		"Namespace", "namespaces",
		"Node", "nodes",
		"PersistentVolume", "persistentvolumes",
	)
	add("apps", "v1", true,
		"Deployment", "deployments",
		"ReplicaSet", "replicasets",
		"StatefulSet", "statefulsets",
		"DaemonSet", "daemonsets",
	)
	add("batch", "v1", true, "Job", "jobs", "CronJob", "cronjobs")
	add("rbac.authorization.k8s.io", "v1", true, "Role", "roles", "RoleBinding", "rolebindings")
	add("rbac.authorization.k8s.io", "v1", false, "ClusterRole", "clusterroles", "ClusterRoleBinding", "clusterrolebindings")
	add("networking.k8s.io", "v1", true, "Ingress", "ingresses", "NetworkPolicy", "networkpolicies")
	add("networking.k8s.io", "v1", false, "IngressClass", "ingressclasses")
	add("admissionregistration.k8s.io", "v1", false,
		"ValidatingWebhookConfiguration", "validatingwebhookconfigurations",
		"MutatingWebhookConfiguration", "mutatingwebhookconfigurations",
	)
	add("autoscaling", "v2", true, "HorizontalPodAutoscaler", "horizontalpodautoscalers")
	add("policy", "v1", true, "PodDisruptionBudget", "poddisruptionbudgets")
	add("storage.k8s.io", "v1", false, "StorageClass", "storageclasses")
	add("storage.k8s.io", "v1", true, "CSIStorageCapacity", "csistoragecapacities")
	add("discovery.k8s.io", "v1", true, "EndpointSlice", "endpointslices")
	add("coordination.k8s.io", "v1", true, "Lease", "leases")
	add("certificates.k8s.io", "v1", false, "CertificateSigningRequest", "certificatesigningrequests")
	add("gateway.networking.k8s.io", "v1", true, "HTTPRoute", "httproutes", "GRPCRoute", "grpcroutes")
	add("gateway.networking.k8s.io", "v1alpha2", true, "TLSRoute", "tlsroutes", "TCPRoute", "tcproutes", "UDPRoute", "udproutes")
	return out
}()

// ResourceOf returns the API resource serving a kind.
func ResourceOf(kind string) (Resource, error) {
	r, ok := resources[kind]
	if !ok {
		return Resource{}, fmt.Errorf("kind %s: no known API resource (add it to vap/kinds.go)", kind)
	}
	return r, nil
}

// podShape is where a workload kind keeps its pod template.
type podShape struct {
	// spec and meta are the CEL paths of the pod spec and metadata from object.
	spec, meta string
	// path is the dotted path of the pod spec, for messages.
	path string
	// template is true when the metadata is a template's, which may be absent.
	template bool
}

var (
	shapePod      = podShape{spec: "spec", meta: "metadata", path: "spec"}
	shapeTemplate = podShape{spec: "spec.template.spec", meta: "spec.template.metadata", path: "spec.template.spec", template: true}
	shapeCronJob  = podShape{
		spec: "spec.jobTemplate.spec.template.spec", meta: "spec.jobTemplate.spec.template.metadata",
		path: "spec.jobTemplate.spec.template.spec", template: true,
	}
)

// shapeOf returns the pod shape of a workload kind, and false for other kinds.
func shapeOf(kind string) (podShape, bool) {
	switch kind {
	case "Pod":
		return shapePod, true
	case "CronJob":
		return shapeCronJob, true
	case "Deployment", "ReplicaSet", "StatefulSet", "DaemonSet", "Job", "ReplicationController":
		return shapeTemplate, true
	}
	return podShape{}, false
}

// isWorkload reports whether a kind carries a pod spec.
func isWorkload(kind string) bool {
	_, ok := shapeOf(kind)
	return ok
}

// sortKinds orders kinds as the library lists workloads, then the others by name.
func sortKinds(kinds []string) []string {
	order := map[string]int{"Pod": 0, "Deployment": 1, "ReplicaSet": 2, "StatefulSet": 3, "DaemonSet": 4, "Job": 5, "CronJob": 6, "ReplicationController": 7}
	out := slices.Clone(kinds)
	slices.SortFunc(out, func(a, b string) int {
		oa, aw := order[a]
		ob, bw := order[b]
		switch {
		case aw && bw:
			return oa - ob
		case aw:
			return -1
		case bw:
			return 1
		}
		if a < b {
			return -1
		}
		if a > b {
			return 1
		}
		return 0
	})
	return out
}
