package result

import (
	"bytes"
	"encoding/binary"
	"encoding/json"
	"fmt"
	"strings"
	"sync"

	"kubescape.io/kubescape/internal/resource"
)

// A large scan holds hundreds of thousands of findings until it reports
// them: 765,000 in a scan of 50,000 objects. As Go structs with a string per
// message and path, they took 290 MB and gave the collector millions of
// pointers to trace. So a Resource keeps its results encoded in one byte
// slice without pointers, its strings numbered in a Table the whole report
// shares, and decodes them when a report asks (Resource.Results).
//
// Most of a table is messages, and messages differ mostly by the name of
// their resource ("container "app" of Deployment web-12 runs as root"): a
// message is kept with that name replaced by a NUL byte, so that the
// resources of a kind share a few templates. Paths and fix values repeat
// as they are.

// Table numbers the strings of a report's results; string 0 is "". It is
// safe for concurrent use.
type Table struct {
	mu    sync.RWMutex
	index map[string]uint32
	list  []string
	// redact, when set, masks secret values in the texts that come from
	// objects (messages, fix values, reasons) as results are decoded.
	redact func(string) string
}

// NewTable returns an empty table.
func NewTable() *Table {
	return &Table{index: map[string]uint32{"": 0}, list: []string{""}}
}

// SetRedactor makes every decoded message, fix value and reason pass
// through f. The scan sets it once every object was read, when the secret
// values of all of them are known.
func (t *Table) SetRedactor(f func(string) string) {
	t.mu.Lock()
	t.redact = f
	t.mu.Unlock()
}

// Len is the number of distinct strings.
func (t *Table) Len() int {
	t.mu.RLock()
	defer t.mu.RUnlock()
	return len(t.list)
}

func (t *Table) id(s string) uint32 {
	t.mu.RLock()
	i, ok := t.index[s]
	t.mu.RUnlock()
	if ok {
		return i
	}
	t.mu.Lock()
	defer t.mu.Unlock()
	if i, ok := t.index[s]; ok {
		return i
	}
	i = uint32(len(t.list))
	t.index[s] = i
	t.list = append(t.list, s)
	return i
}

// strings returns a snapshot of the list and the redactor for decoding.
func (t *Table) strings() ([]string, func(string) string) {
	t.mu.RLock()
	defer t.mu.RUnlock()
	return t.list, t.redact
}

// nameMark stands for the resource's name in a message template.
const nameMark = "\x00"

// NewResource makes a resource with its results (failed, excepted and
// skipped, sorted by control ID), encoded with the strings numbered in tab
// (a table of its own when tab is nil). Passed may be shared with other
// resources: no one may change it.
func NewResource(tab *Table, ref resource.Ref, origin resource.Origin, passed []string, results []ControlResult) Resource {
	if tab == nil {
		tab = NewTable()
	}
	return Resource{Ref: ref, Origin: origin, Passed: passed, tab: tab, enc: encodeResults(tab, ref.Name, results)}
}

// Results decodes the failed, excepted and skipped results, sorted by
// control ID. Each call returns a fresh copy.
func (r Resource) Results() []ControlResult {
	if r.tab == nil || len(r.enc) == 0 {
		return nil
	}
	list, redact := r.tab.strings()
	d := decoder{buf: r.enc, list: list, redact: redact, name: r.Ref.Name}
	out := d.results()
	if d.err != nil {
		// Only this package writes the encoding; a failure is a bug.
		panic(fmt.Sprintf("result: decode the results of %s: %v", r.Ref, d.err))
	}
	return out
}

// EachStatus calls f with the control ID and status of each result, in
// order, without decoding findings.
func (r Resource) EachStatus(f func(controlID string, status Status)) {
	if r.tab == nil || len(r.enc) == 0 {
		return
	}
	list, _ := r.tab.strings()
	d := decoder{buf: r.enc, list: list}
	n := d.uvarint()
	for range n {
		id, st := d.str(), statusOf(d.byte())
		if d.err != nil {
			panic(fmt.Sprintf("result: decode the results of %s: %v", r.Ref, d.err))
		}
		f(id, st)
	}
}

// resourceJSON is the JSON form of a Resource.
type resourceJSON struct {
	Ref    resource.Ref    `json:"resource"`
	Origin resource.Origin `json:"origin"`
	// Passed lists the IDs of the controls the resource passed.
	Passed []string `json:"passed"`
	// Results holds the failed, excepted and skipped results, sorted by control ID.
	Results []ControlResult `json:"results"`
}

// MarshalJSON writes the resource with its results decoded; lists are
// arrays, never null.
func (r Resource) MarshalJSON() ([]byte, error) {
	results := r.Results()
	if results == nil {
		results = []ControlResult{}
	}
	passed := r.Passed
	if passed == nil {
		passed = []string{}
	}
	// As the report's encoder, leave HTML characters alone: an encoder does
	// not undo the escapes of a MarshalJSON.
	var buf bytes.Buffer
	enc := json.NewEncoder(&buf)
	enc.SetEscapeHTML(false)
	if err := enc.Encode(resourceJSON{Ref: r.Ref, Origin: r.Origin, Passed: passed, Results: results}); err != nil {
		return nil, err
	}
	return bytes.TrimSuffix(buf.Bytes(), []byte("\n")), nil
}

// UnmarshalJSON reads a resource, its results encoded in a table of its own.
func (r *Resource) UnmarshalJSON(b []byte) error {
	var v resourceJSON
	if err := json.Unmarshal(b, &v); err != nil {
		return err
	}
	*r = NewResource(nil, v.Ref, v.Origin, v.Passed, v.Results)
	return nil
}

var statuses = []Status{StatusPassed, StatusFailed, StatusSkipped, StatusExcepted}

func statusCode(s Status) byte {
	for i, x := range statuses {
		if x == s {
			return byte(i + 1)
		}
	}
	return 0
}

// statusOf is the status of a code; 0 keeps an unknown status as "".
func statusOf(c byte) Status {
	if c == 0 || int(c) > len(statuses) {
		return ""
	}
	return statuses[c-1]
}

// encodeResults lays out results as: their count; control ID and status of
// each (read alone by EachStatus); then each one's reason, exception and
// findings. Strings are table numbers, numbers uvarints.
func encodeResults(tab *Table, name string, results []ControlResult) []byte {
	if len(results) == 0 {
		return nil
	}
	e := encoder{tab: tab, name: name}
	e.uvarint(uint64(len(results)))
	for i := range results {
		e.str(results[i].ControlID)
		e.buf = append(e.buf, statusCode(results[i].Status))
	}
	for i := range results {
		cr := &results[i]
		e.str(cr.Reason)
		if ex := cr.Exception; ex != nil {
			e.buf = append(e.buf, 1)
			e.str(ex.Name)
			e.str(ex.Reason)
			e.str(ex.Expires)
			e.str(ex.Source)
		} else {
			e.buf = append(e.buf, 0)
		}
		e.uvarint(uint64(len(cr.Findings)))
		for j := range cr.Findings {
			e.finding(&cr.Findings[j])
		}
	}
	// The slice is kept for the life of the report: trim its spare capacity.
	return append([]byte(nil), e.buf...)
}

type encoder struct {
	tab  *Table
	name string
	buf  []byte
}

func (e *encoder) uvarint(v uint64) { e.buf = binary.AppendUvarint(e.buf, v) }
func (e *encoder) str(s string)     { e.uvarint(uint64(e.tab.id(s))) }

// message writes a message as a template, the resource's name marked,
// when that is lossless: the message holds the name and no mark of its own.
func (e *encoder) message(m string) {
	if e.name != "" && strings.Contains(m, e.name) && !strings.Contains(m, nameMark) {
		e.uvarint(uint64(e.tab.id(strings.ReplaceAll(m, e.name, nameMark)))<<1 | 1)
		return
	}
	e.uvarint(uint64(e.tab.id(m)) << 1)
}

func (e *encoder) location(l Location) {
	e.str(l.Path)
	e.uvarint(uint64(max(l.Line, 0)))
	e.uvarint(uint64(max(l.Column, 0)))
}

func (e *encoder) finding(f *Finding) {
	e.message(f.Message)
	e.uvarint(uint64(len(f.FailedPaths)))
	for _, l := range f.FailedPaths {
		e.location(l)
	}
	e.uvarint(uint64(len(f.ReviewPaths)))
	for _, l := range f.ReviewPaths {
		e.location(l)
	}
	e.uvarint(uint64(len(f.FixPaths)))
	for _, fx := range f.FixPaths {
		e.location(fx.Location)
		e.str(fx.Value)
	}
	e.uvarint(uint64(len(f.Related)))
	for _, r := range f.Related {
		e.str(r.APIVersion)
		e.str(r.Kind)
		e.str(r.Namespace)
		e.str(r.Name)
	}
}

type decoder struct {
	buf    []byte
	list   []string
	redact func(string) string
	name   string
	err    error
}

func (d *decoder) uvarint() uint64 {
	v, n := binary.Uvarint(d.buf)
	if n <= 0 {
		d.fail("bad number")
		return 0
	}
	d.buf = d.buf[n:]
	return v
}

// count reads a length, bounded by the bytes left (each element takes at
// least one).
func (d *decoder) count() int {
	n := d.uvarint()
	if n > uint64(len(d.buf)) {
		d.fail("count beyond the data")
		return 0
	}
	return int(n)
}

func (d *decoder) byte() byte {
	if len(d.buf) == 0 {
		d.fail("truncated")
		return 0
	}
	b := d.buf[0]
	d.buf = d.buf[1:]
	return b
}

func (d *decoder) fail(msg string) {
	if d.err == nil {
		d.err = fmt.Errorf("%s", msg)
	}
	d.buf = nil
}

func (d *decoder) str() string {
	i := d.uvarint()
	if i >= uint64(len(d.list)) {
		d.fail("string number out of range")
		return ""
	}
	return d.list[i]
}

// text is a string that comes from an object, masked by the redactor.
func (d *decoder) text(s string) string {
	if d.redact != nil && s != "" {
		return d.redact(s)
	}
	return s
}

func (d *decoder) message() string {
	v := d.uvarint()
	if v>>1 >= uint64(len(d.list)) {
		d.fail("string number out of range")
		return ""
	}
	m := d.list[v>>1]
	if v&1 == 1 {
		m = strings.ReplaceAll(m, nameMark, d.name)
	}
	return d.text(m)
}

func (d *decoder) location() Location {
	return Location{Path: d.str(), Line: int(d.uvarint()), Column: int(d.uvarint())}
}

func (d *decoder) results() []ControlResult {
	n := d.count()
	if n == 0 {
		return nil
	}
	out := make([]ControlResult, n)
	for i := range out {
		out[i].ControlID, out[i].Status = d.str(), statusOf(d.byte())
	}
	for i := range out {
		cr := &out[i]
		cr.Reason = d.text(d.str())
		if d.byte() == 1 {
			cr.Exception = &ExceptionRef{Name: d.str(), Reason: d.str(), Expires: d.str(), Source: d.str()}
		}
		cr.Findings = make([]Finding, d.count())
		for j := range cr.Findings {
			cr.Findings[j] = d.finding()
		}
	}
	return out
}

func (d *decoder) finding() Finding {
	f := Finding{Message: d.message()}
	if n := d.count(); n > 0 {
		f.FailedPaths = make([]Location, n)
		for i := range f.FailedPaths {
			f.FailedPaths[i] = d.location()
		}
	}
	if n := d.count(); n > 0 {
		f.ReviewPaths = make([]Location, n)
		for i := range f.ReviewPaths {
			f.ReviewPaths[i] = d.location()
		}
	}
	if n := d.count(); n > 0 {
		f.FixPaths = make([]Fix, n)
		for i := range f.FixPaths {
			f.FixPaths[i] = Fix{Location: d.location(), Value: d.text(d.str())}
		}
	}
	if n := d.count(); n > 0 {
		f.Related = make([]resource.Ref, n)
		for i := range f.Related {
			f.Related[i] = resource.Ref{APIVersion: d.str(), Kind: d.str(), Namespace: d.str(), Name: d.str()}
		}
	}
	return f
}
