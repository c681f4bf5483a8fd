package server

import (
	"reflect"
	"testing"

	"k8s.io/apimachinery/pkg/runtime"

	"kubescape.io/kubescape/storage/apis/results/resultstest"
	"kubescape.io/kubescape/storage/apis/results/v1beta1"
)

// TestStorageCodecDecodesLikeTheSchemeCodec checks that the fast path gives
// exactly what the generic JSON codec gives, for an example of every kind,
// and that a document of another kind falls back to the generic decoder's
// error.
func TestStorageCodecDecodesLikeTheSchemeCodec(t *testing.T) {
	generic := Codecs.LegacyCodec(v1beta1.SchemeGroupVersion)
	fast := newStorageCodec(Scheme, generic)
	for _, obj := range resultstest.All() {
		data, err := runtime.Encode(fast, obj)
		if err != nil {
			t.Fatalf("encode %T: %v", obj, err)
		}
		typ := reflect.TypeOf(obj).Elem()
		want := reflect.New(typ).Interface().(runtime.Object)
		got := reflect.New(typ).Interface().(runtime.Object)
		if _, _, err := generic.Decode(data, nil, want); err != nil {
			t.Fatalf("generic decode %T: %v", obj, err)
		}
		if _, gvk, err := fast.Decode(data, nil, got); err != nil {
			t.Fatalf("fast decode %T: %v", obj, err)
		} else if gvk.GroupVersion() != v1beta1.SchemeGroupVersion {
			t.Errorf("%T: decoded as %v", obj, gvk)
		}
		if !reflect.DeepEqual(want, got) {
			t.Errorf("%T: the fast decode differs from the generic one:\n%#v\n%#v", obj, got, want)
		}
	}
	// An SBOM document decoded into a RuntimeAlert is an error, as with the
	// generic codec.
	data, err := runtime.Encode(fast, resultstest.SBOM())
	if err != nil {
		t.Fatal(err)
	}
	if _, _, err := fast.Decode(data, nil, &v1beta1.RuntimeAlert{}); err == nil {
		t.Error("decoding an SBOM into a RuntimeAlert succeeded")
	}
}
