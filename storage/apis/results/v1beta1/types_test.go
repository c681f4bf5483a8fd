package v1beta1

import (
	"encoding/json"
	"reflect"
	"strings"
	"testing"

	"k8s.io/apimachinery/pkg/util/strategicpatch"
)

// TestStrategicMergePatchMergesKeyedLists checks the patchMergeKey tags: a
// strategic merge patch with one entry of a keyed list adds or updates that
// entry and keeps the others.
func TestStrategicMergePatchMergesKeyedLists(t *testing.T) {
	tests := []struct {
		name     string
		dataType any
		original string
		patch    string
		want     string
	}{
		{
			name:     "application profile containers by name",
			dataType: ApplicationProfile{},
			original: `{"spec":{"containers":[{"name":"app","syscalls":["read"]},{"name":"sidecar","syscalls":["write"]}]}}`,
			patch:    `{"spec":{"containers":[{"name":"app","syscalls":["read","openat"]}]}}`,
			want:     `{"spec":{"containers":[{"name":"app","syscalls":["read","openat"]},{"name":"sidecar","syscalls":["write"]}]}}`,
		},
		{
			name:     "network neighbours by identifier, ports by name",
			dataType: NetworkNeighborhood{},
			original: `{"spec":{"containers":[{"name":"app","egress":[{"identifier":"a","type":"external","ports":[{"name":"TCP-443","port":443}]}]}]}}`,
			patch:    `{"spec":{"containers":[{"name":"app","egress":[{"identifier":"a","ports":[{"name":"TCP-80","port":80}]},{"identifier":"b","type":"internal"}]}]}}`,
			want:     `{"spec":{"containers":[{"name":"app","egress":[{"identifier":"a","type":"external","ports":[{"name":"TCP-80","port":80},{"name":"TCP-443","port":443}]},{"identifier":"b","type":"internal"}]}]}}`,
		},
		{
			name:     "control results by controlID",
			dataType: WorkloadConfigurationScan{},
			original: `{"spec":{"controls":[{"controlID":"C-0057","status":"failed"},{"controlID":"C-0017","status":"passed"}]}}`,
			patch:    `{"spec":{"controls":[{"controlID":"C-0057","status":"passed"}]}}`,
			want:     `{"spec":{"controls":[{"controlID":"C-0057","status":"passed"},{"controlID":"C-0017","status":"passed"}]}}`,
		},
		{
			name:     "known server entries by ipBlock",
			dataType: KnownServer{},
			original: `{"spec":{"entries":[{"ipBlock":"10.0.0.0/8","name":"a"}]}}`,
			patch:    `{"spec":{"entries":[{"ipBlock":"192.168.0.0/16","name":"b"}]}}`,
			want:     `{"spec":{"entries":[{"ipBlock":"192.168.0.0/16","name":"b"},{"ipBlock":"10.0.0.0/8","name":"a"}]}}`,
		},
		{
			name:     "seccomp status containers by name",
			dataType: SeccompProfile{},
			original: `{"status":{"containers":[{"name":"app","localhostProfile":"a.json"}]}}`,
			patch:    `{"status":{"containers":[{"name":"init","localhostProfile":"b.json"}]}}`,
			want:     `{"status":{"containers":[{"name":"init","localhostProfile":"b.json"},{"name":"app","localhostProfile":"a.json"}]}}`,
		},
		{
			name:     "atomic lists are replaced",
			dataType: VulnerabilityManifest{},
			original: `{"spec":{"matches":[{"vulnerability":{"id":"CVE-1"}},{"vulnerability":{"id":"CVE-2"}}]}}`,
			patch:    `{"spec":{"matches":[{"vulnerability":{"id":"CVE-3"}}]}}`,
			want:     `{"spec":{"matches":[{"vulnerability":{"id":"CVE-3"}}]}}`,
		},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			got, err := strategicpatch.StrategicMergePatch([]byte(tc.original), []byte(tc.patch), tc.dataType)
			if err != nil {
				t.Fatal(err)
			}
			var gotV, wantV any
			if err := json.Unmarshal(got, &gotV); err != nil {
				t.Fatal(err)
			}
			if err := json.Unmarshal([]byte(tc.want), &wantV); err != nil {
				t.Fatal(err)
			}
			if !reflect.DeepEqual(gotV, wantV) {
				t.Errorf("patched:\n%s\nwant:\n%s", got, tc.want)
			}
		})
	}
}

// TestKeyedListTags checks that every list with a list map key in its
// comment markers has the matching strategic merge patch tags, so that both
// kinds of patch merge it the same way.
func TestKeyedListTags(t *testing.T) {
	seen := map[reflect.Type]bool{}
	var walk func(typ reflect.Type, path string)
	walk = func(typ reflect.Type, path string) {
		for typ.Kind() == reflect.Pointer || typ.Kind() == reflect.Slice {
			typ = typ.Elem()
		}
		if typ.Kind() != reflect.Struct || seen[typ] || typ.PkgPath() != reflect.TypeFor[SBOM]().PkgPath() {
			return
		}
		seen[typ] = true
		for i := range typ.NumField() {
			f := typ.Field(i)
			name := path + "." + f.Name
			if f.Type.Kind() == reflect.Slice && f.Type.Elem().Kind() == reflect.Struct {
				strategy, key := f.Tag.Get("patchStrategy"), f.Tag.Get("patchMergeKey")
				if (strategy == "merge") != (key != "") {
					t.Errorf("%s: patchStrategy %q with patchMergeKey %q", name, strategy, key)
				}
				if key != "" && !hasJSONField(f.Type.Elem(), key) {
					t.Errorf("%s: patchMergeKey %q is not a field of %s", name, key, f.Type.Elem().Name())
				}
			}
			walk(f.Type, name)
		}
	}
	for _, obj := range KnownTypes() {
		walk(reflect.TypeOf(obj), reflect.TypeOf(obj).Elem().Name())
	}
	if len(seen) < 40 {
		t.Errorf("walked only %d types", len(seen))
	}
}

func hasJSONField(typ reflect.Type, name string) bool {
	for i := range typ.NumField() {
		if strings.Split(typ.Field(i).Tag.Get("json"), ",")[0] == name {
			return true
		}
	}
	return false
}
