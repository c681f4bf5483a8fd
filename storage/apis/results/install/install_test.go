package install

import (
	"bytes"
	"encoding/json"
	"reflect"
	"strings"
	"testing"

	apiequality "k8s.io/apimachinery/pkg/api/equality"
	"k8s.io/apimachinery/pkg/api/meta"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	"k8s.io/apimachinery/pkg/runtime"
	"k8s.io/apimachinery/pkg/runtime/serializer"

	"kubescape.io/kubescape/storage/apis/results/resultstest"
	"kubescape.io/kubescape/storage/apis/results/v1beta1"
)

func newScheme() (*runtime.Scheme, serializer.CodecFactory) {
	scheme := runtime.NewScheme()
	Install(scheme)
	return scheme, serializer.NewCodecFactory(scheme)
}

// TestRoundTrip encodes an example of every kind, and a list of it, to
// v1beta1 JSON and decodes it back to the internal version, as the API
// server does for requests and for storage.
func TestRoundTrip(t *testing.T) {
	scheme, codecs := newScheme()
	codec := codecs.LegacyCodec(v1beta1.SchemeGroupVersion)
	for _, obj := range resultstest.All() {
		kind := kindName(t, scheme, obj)
		t.Run(kind, func(t *testing.T) {
			data, err := runtime.Encode(codec, obj)
			if err != nil {
				t.Fatalf("encode: %v", err)
			}
			var head metav1.TypeMeta
			if err := json.Unmarshal(data, &head); err != nil {
				t.Fatal(err)
			}
			if head.APIVersion != "results.kubescape.io/v1beta1" || head.Kind != kind {
				t.Errorf("encoded as %s %s", head.APIVersion, head.Kind)
			}
			decoded, err := runtime.Decode(codec, data)
			if err != nil {
				t.Fatalf("decode: %v", err)
			}
			// Decoded to the internal version, whose objects carry no type meta.
			if gvk := decoded.GetObjectKind().GroupVersionKind(); !gvk.Empty() {
				t.Errorf("decoded with type %v, want the internal version's empty one", gvk)
			}
			if reflect.TypeOf(decoded) != reflect.TypeOf(obj) {
				t.Fatalf("decoded a %T, want %T", decoded, obj)
			}
			decoded.GetObjectKind().SetGroupVersionKind(obj.GetObjectKind().GroupVersionKind())
			if !apiequality.Semantic.DeepEqual(obj, decoded) {
				t.Errorf("round trip changed the object:\n%s\nbecame\n%s", data, mustJSON(t, decoded))
			}

			// Again as an item of a list.
			list, err := scheme.New(v1beta1.SchemeGroupVersion.WithKind(kind + "List"))
			if err != nil {
				t.Fatal(err)
			}
			if err := meta.SetList(list, []runtime.Object{obj.DeepCopyObject()}); err != nil {
				t.Fatal(err)
			}
			listData, err := runtime.Encode(codec, list)
			if err != nil {
				t.Fatalf("encode list: %v", err)
			}
			decodedList, err := runtime.Decode(codec, listData)
			if err != nil {
				t.Fatalf("decode list: %v", err)
			}
			items, err := meta.ExtractList(decodedList)
			if err != nil || len(items) != 1 {
				t.Fatalf("list items %v, %v", items, err)
			}
		})
	}
}

// TestDecodeDefaults checks that decoding applies the defaults, as the API
// server's decoding of a request does.
func TestDecodeDefaults(t *testing.T) {
	_, codecs := newScheme()
	doc := `{"apiVersion":"results.kubescape.io/v1beta1","kind":"RuntimeAlert",
		"metadata":{"name":"a","namespace":"shop"},
		"spec":{"ruleID":"R0001","containerName":"cart","workload":{"apiVersion":"apps/v1","kind":"Deployment","name":"cart"}}}`
	obj, err := runtime.Decode(codecs.UniversalDecoder(), []byte(doc))
	if err != nil {
		t.Fatal(err)
	}
	alert, ok := obj.(*v1beta1.RuntimeAlert)
	if !ok {
		t.Fatalf("decoded a %T", obj)
	}
	if alert.Spec.Count != 1 || alert.Spec.Workload.Namespace != "shop" {
		t.Errorf("count %d, workload namespace %q: not defaulted", alert.Spec.Count, alert.Spec.Workload.Namespace)
	}
	want := map[string]string{
		v1beta1.LabelWorkloadKind: "Deployment", v1beta1.LabelWorkloadName: "cart",
		v1beta1.LabelWorkloadNamespace: "shop", v1beta1.LabelContainer: "cart",
	}
	for k, v := range want {
		if alert.Labels[k] != v {
			t.Errorf("label %s = %q, want %q", k, alert.Labels[k], v)
		}
	}
}

// TestSBOMDocumentKeptVerbatim checks that the embedded document goes
// through the codecs byte for byte (apart from JSON whitespace between
// tokens), however large, and that YAML works too.
func TestSBOMDocumentKeptVerbatim(t *testing.T) {
	_, codecs := newScheme()
	codec := codecs.LegacyCodec(v1beta1.SchemeGroupVersion)
	var doc bytes.Buffer
	doc.WriteString(`{"artifacts":[`)
	for i := range 20000 {
		if i > 0 {
			doc.WriteByte(',')
		}
		doc.WriteString(`{"name":"pkg-` + strings.Repeat("x", i%50) + `","version":"1.0.0","locations":[{"path":"/usr/lib/a"}]}`)
	}
	doc.WriteString(`],"descriptor":{"name":"syft","version":"1.57.0"}}`)
	sbom := resultstest.SBOM()
	sbom.Spec.Document = runtime.RawExtension{Raw: doc.Bytes()}
	data, err := runtime.Encode(codec, sbom)
	if err != nil {
		t.Fatal(err)
	}
	back, err := runtime.Decode(codec, data)
	if err != nil {
		t.Fatal(err)
	}
	if got := back.(*v1beta1.SBOM).Spec.Document.Raw; !bytes.Equal(got, doc.Bytes()) {
		t.Errorf("document changed: %d bytes became %d", doc.Len(), len(got))
	}

	info, ok := runtime.SerializerInfoForMediaType(codecs.SupportedMediaTypes(), "application/yaml")
	if !ok {
		t.Fatal("no YAML serializer")
	}
	yamlCodec := codecs.CodecForVersions(info.Serializer, codecs.UniversalDecoder(), v1beta1.SchemeGroupVersion, nil)
	small := resultstest.SBOM()
	yamlData, err := runtime.Encode(yamlCodec, small)
	if err != nil {
		t.Fatal(err)
	}
	fromYAML, err := runtime.Decode(yamlCodec, yamlData)
	if err != nil {
		t.Fatalf("decode YAML:\n%s\n%v", yamlData, err)
	}
	var got, want any
	if err := json.Unmarshal(fromYAML.(*v1beta1.SBOM).Spec.Document.Raw, &got); err != nil {
		t.Fatal(err)
	}
	if err := json.Unmarshal(small.Spec.Document.Raw, &want); err != nil {
		t.Fatal(err)
	}
	if !apiequality.Semantic.DeepEqual(got, want) {
		t.Errorf("YAML round trip changed the document: %v, want %v", got, want)
	}
}

func TestSchemeRegistration(t *testing.T) {
	scheme, _ := newScheme()
	if got := scheme.PrioritizedVersionsForGroup(v1beta1.GroupName); len(got) != 1 || got[0] != v1beta1.SchemeGroupVersion {
		t.Errorf("prioritized versions %v", got)
	}
	for _, obj := range v1beta1.KnownTypes() {
		gvks, _, err := scheme.ObjectKinds(obj)
		if err != nil {
			t.Fatal(err)
		}
		versions := map[string]bool{}
		for _, gvk := range gvks {
			versions[gvk.Version] = true
		}
		if len(gvks) != 2 || !versions["v1beta1"] || !versions[runtime.APIVersionInternal] {
			t.Errorf("%T registered as %v, want v1beta1 and the internal version", obj, gvks)
		}
	}
	// Field selectors work whichever version the request names.
	for _, gv := range []string{"v1beta1", runtime.APIVersionInternal} {
		gvk := v1beta1.SchemeGroupVersion.WithKind("RuntimeAlert")
		gvk.Version = gv
		if _, _, err := scheme.ConvertFieldLabel(gvk, "spec.nodeName", "node-1"); err != nil {
			t.Errorf("%s: %v", gv, err)
		}
		if _, _, err := scheme.ConvertFieldLabel(gvk, "spec.message", "x"); err == nil {
			t.Errorf("%s: an unsupported field label is accepted", gv)
		}
	}
	// The meta/v1 types every version needs (options, watch events).
	for _, kind := range []string{"ListOptions", "GetOptions", "DeleteOptions", "CreateOptions", "UpdateOptions", "PatchOptions", "WatchEvent"} {
		if !scheme.Recognizes(v1beta1.SchemeGroupVersion.WithKind(kind)) {
			t.Errorf("%s is not registered in v1beta1", kind)
		}
	}
}

func kindName(t *testing.T, scheme *runtime.Scheme, obj runtime.Object) string {
	t.Helper()
	gvks, _, err := scheme.ObjectKinds(obj)
	if err != nil {
		t.Fatal(err)
	}
	return gvks[0].Kind
}

func mustJSON(t *testing.T, obj runtime.Object) string {
	t.Helper()
	data, err := json.Marshal(obj)
	if err != nil {
		t.Fatal(err)
	}
	return string(data)
}
