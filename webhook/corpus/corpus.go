// Package corpus turns the library's control fixtures into AdmissionReview
// requests, so that the webhook is tested and benchmarked on the very
// objects every control is verified against.
package corpus

import (
	"encoding/json"
	"fmt"
	"strings"

	admissionv1 "k8s.io/api/admission/v1"
	authenticationv1 "k8s.io/api/authentication/v1"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	"k8s.io/apimachinery/pkg/runtime"
	"k8s.io/apimachinery/pkg/runtime/schema"
	"k8s.io/apimachinery/pkg/types"

	"kubescape.io/kubescape/internal/engine"
	"kubescape.io/kubescape/library"
)

// Case is one fixture case of a control, as an admission request.
type Case struct {
	Control *library.Control
	// Name is the test case's name; Status its expected verdict (failed or
	// passed), with FailedPaths and ReviewPaths.
	Name                     string
	Status                   string
	FailedPaths, ReviewPaths []string
	// Inputs are the case's input overrides (nil for the defaults).
	Inputs map[string]any
	// Object is the object under test; Related are the fixture's other objects.
	Object  map[string]any
	Related []map[string]any
}

// Load returns the cases of the controls, in control order.
func Load(lib *library.Library, controls []*library.Control) ([]Case, error) {
	var out []Case
	for _, c := range controls {
		cases, err := lib.Tests(c)
		if err != nil {
			return nil, err
		}
		for _, tc := range cases {
			k := Case{Control: c, Name: tc.Name, Status: tc.Status, FailedPaths: tc.FailedPaths, ReviewPaths: tc.ReviewPaths, Inputs: tc.Inputs}
			for _, o := range tc.Objects {
				if k.Object == nil && matches(o, tc.Resource) {
					k.Object = o
					continue
				}
				k.Related = append(k.Related, o)
			}
			if k.Object == nil {
				return nil, fmt.Errorf("control %s case %q: resource %s is not in fixture %s", c.ID, tc.Name, tc.Resource, tc.Fixture)
			}
			out = append(out, k)
		}
	}
	return out, nil
}

func matches(o map[string]any, want string) bool {
	md, _ := o["metadata"].(map[string]any)
	kind, _ := o["kind"].(string)
	name, _ := md["name"].(string)
	ns, _ := md["namespace"].(string)
	parts := strings.Split(want, "/")
	switch len(parts) {
	case 2:
		return kind == parts[0] && name == parts[1]
	case 3:
		if ns == "" {
			ns = "default"
		}
		return kind == parts[0] && ns == parts[1] && name == parts[2]
	}
	return false
}

// Review builds the AdmissionReview the API server would send for the
// object: the request's kind from its apiVersion and kind, its namespace
// (default for a namespaced object that names none), and the object itself.
func Review(obj map[string]any, op admissionv1.Operation, uid string) ([]byte, error) {
	raw, err := json.Marshal(obj)
	if err != nil {
		return nil, fmt.Errorf("encode object: %w", err)
	}
	apiVersion, _ := obj["apiVersion"].(string)
	kind, _ := obj["kind"].(string)
	gv, err := schema.ParseGroupVersion(apiVersion)
	if err != nil {
		return nil, fmt.Errorf("apiVersion %q: %w", apiVersion, err)
	}
	md, _ := obj["metadata"].(map[string]any)
	name, _ := md["name"].(string)
	ns, _ := md["namespace"].(string)
	if ns == "" && !engine.ClusterScoped(kind) {
		ns = "default"
	}
	gvk := metav1.GroupVersionKind{Group: gv.Group, Version: gv.Version, Kind: kind}
	resource := metav1.GroupVersionResource{Group: gv.Group, Version: gv.Version, Resource: strings.ToLower(kind) + "s"}
	review := admissionv1.AdmissionReview{
		TypeMeta: metav1.TypeMeta{APIVersion: "admission.k8s.io/v1", Kind: "AdmissionReview"},
		Request: &admissionv1.AdmissionRequest{
			UID:             types.UID(uid),
			Kind:            gvk,
			Resource:        resource,
			RequestKind:     &gvk,
			RequestResource: &resource,
			Name:            name,
			Namespace:       ns,
			Operation:       op,
			UserInfo:        authenticationv1.UserInfo{Username: "corpus"},
			Object:          runtime.RawExtension{Raw: raw},
		},
	}
	return json.Marshal(review)
}
