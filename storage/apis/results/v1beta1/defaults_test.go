package v1beta1

import (
	"strings"
	"testing"

	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	"k8s.io/apimachinery/pkg/runtime"
	"k8s.io/apimachinery/pkg/util/validation"
)

func newScheme(t *testing.T) *runtime.Scheme {
	t.Helper()
	scheme := runtime.NewScheme()
	if err := AddToScheme(scheme); err != nil {
		t.Fatal(err)
	}
	return scheme
}

func TestDefaultsSetWorkloadLabels(t *testing.T) {
	scheme := newScheme(t)
	w := WorkloadReference{APIVersion: "apps/v1", Kind: "Deployment", Name: "cart"}
	tests := []struct {
		name string
		obj  runtime.Object
		want map[string]string
	}{
		{
			name: "application profile: workload, no container",
			obj:  &ApplicationProfile{ObjectMeta: metav1.ObjectMeta{Namespace: "shop"}, Spec: ApplicationProfileSpec{Workload: w}},
			want: map[string]string{LabelWorkloadKind: "Deployment", LabelWorkloadName: "cart", LabelWorkloadNamespace: "shop"},
		},
		{
			name: "filtered SBOM: workload and container",
			obj:  &FilteredSBOM{ObjectMeta: metav1.ObjectMeta{Namespace: "shop"}, Spec: FilteredSBOMSpec{Workload: w, Container: "app"}},
			want: map[string]string{LabelWorkloadKind: "Deployment", LabelWorkloadName: "cart", LabelWorkloadNamespace: "shop", LabelContainer: "app"},
		},
		{
			name: "vulnerability manifest without workload: no labels",
			obj:  &VulnerabilityManifest{ObjectMeta: metav1.ObjectMeta{Namespace: "shop"}},
			want: nil,
		},
		{
			name: "runtime alert of a bare pod: container only",
			obj:  &RuntimeAlert{ObjectMeta: metav1.ObjectMeta{Namespace: "shop"}, Spec: RuntimeAlertSpec{ContainerName: "app"}},
			want: map[string]string{LabelContainer: "app"},
		},
		{
			name: "configuration scan of a cluster-scoped resource: no namespace label",
			obj: &WorkloadConfigurationScan{ObjectMeta: metav1.ObjectMeta{Namespace: "kubescape"}, Spec: WorkloadConfigurationScanSpec{
				Resource: WorkloadReference{APIVersion: "rbac.authorization.k8s.io/v1", Kind: "ClusterRole", Name: "admin"},
			}},
			want: map[string]string{LabelWorkloadKind: "ClusterRole", LabelWorkloadName: "admin"},
		},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			scheme.Default(tc.obj)
			got := tc.obj.(metav1.Object).GetLabels()
			if len(got) != len(tc.want) {
				t.Fatalf("labels %v, want %v", got, tc.want)
			}
			for k, v := range tc.want {
				if got[k] != v {
					t.Errorf("label %s = %q, want %q (all: %v)", k, got[k], v, got)
				}
			}
		})
	}
}

func TestDefaultsKeepLabelsAndNamespace(t *testing.T) {
	scheme := newScheme(t)
	obj := &NetworkNeighborhood{
		ObjectMeta: metav1.ObjectMeta{Namespace: "shop", Labels: map[string]string{LabelWorkloadName: "set-by-agent"}},
		Spec:       NetworkNeighborhoodSpec{Workload: WorkloadReference{Kind: "Deployment", Name: "cart", Namespace: "other"}},
	}
	scheme.Default(obj)
	if got := obj.Labels[LabelWorkloadName]; got != "set-by-agent" {
		t.Errorf("an existing label was overwritten: %q", got)
	}
	if obj.Spec.Workload.Namespace != "other" || obj.Labels[LabelWorkloadNamespace] != "other" {
		t.Errorf("a set workload namespace changed: %q, label %q", obj.Spec.Workload.Namespace, obj.Labels[LabelWorkloadNamespace])
	}

	scan := &WorkloadConfigurationScanSummary{ObjectMeta: metav1.ObjectMeta{Namespace: "kubescape"}, Spec: WorkloadConfigurationScanSummarySpec{
		Resource: WorkloadReference{Kind: "ClusterRole", Name: "admin"},
	}}
	scheme.Default(scan)
	if scan.Spec.Resource.Namespace != "" {
		t.Errorf("the namespace of a scanned resource was defaulted to %q", scan.Spec.Resource.Namespace)
	}
}

func TestDefaultsFields(t *testing.T) {
	scheme := newScheme(t)

	nn := &NetworkNeighborhood{Spec: NetworkNeighborhoodSpec{EphemeralContainers: []NetworkNeighborhoodContainer{{
		Name:   "debug",
		Egress: []NetworkNeighbor{{Identifier: "dns", Ports: []NetworkPort{{Name: "UDP-53", Protocol: ProtocolUDP}, {Name: "any"}}}},
	}}}}
	scheme.Default(nn)
	ports := nn.Spec.EphemeralContainers[0].Egress[0].Ports
	if ports[0].Protocol != ProtocolUDP || ports[1].Protocol != ProtocolTCP {
		t.Errorf("port protocols %q, %q; want UDP kept and TCP defaulted", ports[0].Protocol, ports[1].Protocol)
	}

	alert := &RuntimeAlert{}
	scheme.Default(alert)
	if alert.Spec.Count != 1 {
		t.Errorf("alert count %d, want 1", alert.Spec.Count)
	}
	repeated := &RuntimeAlert{Spec: RuntimeAlertSpec{Count: 5}}
	scheme.Default(repeated)
	if repeated.Spec.Count != 5 {
		t.Errorf("alert count %d, want 5 kept", repeated.Spec.Count)
	}

	vex := &OpenVulnerabilityExchangeContainer{}
	scheme.Default(vex)
	if vex.Spec.Context != DefaultVEXContext || vex.Spec.Version != 1 {
		t.Errorf("VEX context %q version %d", vex.Spec.Context, vex.Spec.Version)
	}

	list := &RuntimeAlertList{Items: []RuntimeAlert{{}, {}}}
	scheme.Default(list)
	for i, item := range list.Items {
		if item.Spec.Count != 1 {
			t.Errorf("list item %d not defaulted", i)
		}
	}
}

func TestLabelValue(t *testing.T) {
	long := strings.Repeat("a", 60) + "-" + strings.Repeat("b", 60)
	longOther := strings.Repeat("a", 60) + "-" + strings.Repeat("c", 60)
	tests := []struct {
		in   string
		want string // empty: only check validity
	}{
		{in: "cart", want: "cart"},
		{in: "Deployment", want: "Deployment"},
		{in: strings.Repeat("x", 63), want: strings.Repeat("x", 63)},
		{in: strings.Repeat("x", 64)},
		{in: long},
		{in: "system:aggregate-to-edit"},
		{in: "---"},
		{in: "ünïcode"},
	}
	for _, tc := range tests {
		got := LabelValue(tc.in)
		if errs := validation.IsValidLabelValue(got); len(errs) != 0 {
			t.Errorf("LabelValue(%q) = %q, not a label value: %v", tc.in, got, errs)
		}
		if got == "" {
			t.Errorf("LabelValue(%q) is empty", tc.in)
		}
		if tc.want != "" && got != tc.want {
			t.Errorf("LabelValue(%q) = %q, want %q", tc.in, got, tc.want)
		}
		if tc.want == "" && got == tc.in {
			t.Errorf("LabelValue(%q) returned the invalid value unchanged", tc.in)
		}
		if again := LabelValue(tc.in); again != got {
			t.Errorf("LabelValue(%q) is not stable: %q then %q", tc.in, got, again)
		}
	}
	if LabelValue(long) == LabelValue(longOther) {
		t.Errorf("two long names with the same start get the same label %q", LabelValue(long))
	}
	if got := LabelValue("system:aggregate-to-edit"); !strings.HasPrefix(got, "systemaggregate-to-edit-") {
		t.Errorf("LabelValue kept no readable prefix: %q", got)
	}
}
