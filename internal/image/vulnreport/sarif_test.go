package vulnreport

import (
	"bytes"
	"os"
	"path/filepath"
	"testing"

	"github.com/santhosh-tekuri/jsonschema/v6"
)

// TestSARIFSchema validates the SARIF report against the SARIF 2.1.0 JSON
// schema the configuration report is checked with.
func TestSARIFSchema(t *testing.T) {
	path := filepath.Join("..", "..", "report", "testdata", "sarif-schema-2.1.0.json")
	data, err := os.ReadFile(path)
	if err != nil {
		t.Fatal(err)
	}
	doc, err := jsonschema.UnmarshalJSON(bytes.NewReader(data))
	if err != nil {
		t.Fatal(err)
	}
	c := jsonschema.NewCompiler()
	c.AssertFormat()
	url := "file:///sarif-schema-2.1.0.json"
	if err := c.AddResource(url, doc); err != nil {
		t.Fatal(err)
	}
	schema, err := c.Compile(url)
	if err != nil {
		t.Fatal(err)
	}
	var buf bytes.Buffer
	if err := Write(&buf, "sarif", sampleReport(), Options{}); err != nil {
		t.Fatal(err)
	}
	out, err := jsonschema.UnmarshalJSON(bytes.NewReader(buf.Bytes()))
	if err != nil {
		t.Fatal(err)
	}
	if err := schema.Validate(out); err != nil {
		t.Errorf("SARIF report does not match the schema: %v", err)
	}
	// The schema must be able to fail: a level SARIF does not define.
	bad, err := jsonschema.UnmarshalJSON(bytes.NewReader(bytes.Replace(buf.Bytes(), []byte(`"level": "error"`), []byte(`"level": "fatal"`), 1)))
	if err != nil {
		t.Fatal(err)
	}
	if !bytes.Contains(buf.Bytes(), []byte(`"level": "error"`)) {
		t.Fatal(`the sample report has no "level": "error" to corrupt`)
	}
	if schema.Validate(bad) == nil {
		t.Error("the schema accepts an undefined level")
	}
}
