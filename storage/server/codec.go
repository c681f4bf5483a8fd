package server

import (
	"bytes"

	jsoniter "github.com/json-iterator/go"
	"k8s.io/apimachinery/pkg/runtime"
	"k8s.io/apimachinery/pkg/runtime/schema"

	"kubescape.io/kubescape/storage/apis/results/v1beta1"
)

// storageCodec is the codec of stored objects. It encodes like the
// scheme's JSON codec (results.kubescape.io/v1beta1), and decodes a stored
// object of ours straight into the Go type the store asks for. The generic
// JSON decoder parses every document twice (once for its apiVersion and
// kind) with encoding/json's reflection: decoding was two thirds of the CPU
// time of a large list. Here one pass of json-iterator, case-sensitive like
// the API machinery, decodes it (3.4 times faster on a summary); the
// stored objects were written by this server, so their apiVersion and kind
// are checked after the fact. Anything else (another version or kind, a
// document that is not JSON, an unknown target) takes the generic path.
type storageCodec struct {
	runtime.Codec
	scheme *runtime.Scheme
}

// storedJSON decodes like sigs.k8s.io/json's case-sensitive decoder, on
// which the API machinery relies: field names match exactly.
var storedJSON = jsoniter.Config{CaseSensitive: true, ValidateJsonRawMessage: true}.Froze()

func newStorageCodec(scheme *runtime.Scheme, codec runtime.Codec) runtime.Codec {
	return storageCodec{Codec: codec, scheme: scheme}
}

func (c storageCodec) Decode(data []byte, defaults *schema.GroupVersionKind, into runtime.Object) (runtime.Object, *schema.GroupVersionKind, error) {
	if into == nil {
		return c.Codec.Decode(data, defaults, into)
	}
	if _, ok := into.(runtime.Unstructured); ok {
		return c.Codec.Decode(data, defaults, into)
	}
	kinds, _, err := c.scheme.ObjectKinds(into)
	if err != nil || len(kinds) == 0 || kinds[0].Group != v1beta1.GroupName {
		return c.Codec.Decode(data, defaults, into)
	}
	// Stored objects are JSON documents; anything else (YAML, protobuf)
	// takes the generic path.
	if trimmed := bytes.TrimLeft(data, " \t\r\n"); len(trimmed) == 0 || trimmed[0] != '{' {
		return c.Codec.Decode(data, defaults, into)
	}
	if err := storedJSON.Unmarshal(data, into); err != nil {
		return c.Codec.Decode(data, defaults, into)
	}
	gvk := into.GetObjectKind().GroupVersionKind()
	if gvk.GroupVersion() != v1beta1.SchemeGroupVersion || gvk.Kind != kinds[0].Kind {
		return c.Codec.Decode(data, defaults, into)
	}
	c.scheme.Default(into)
	return into, &gvk, nil
}
