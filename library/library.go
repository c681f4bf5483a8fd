// Package library holds the security controls as data: one folder per control
// under controls/ (control.yaml, rule.rego, tests.yaml and fixtures), the
// frameworks as lists of control IDs under frameworks/, and the Rego helpers
// shared by every rule under lib/. Everything is embedded in the binary; a
// control is added by adding a folder and nothing else.
package library

import (
	"bytes"
	"embed"
	"errors"
	"fmt"
	"io/fs"
	"path"
	"reflect"
	"regexp"
	"slices"
	"sort"
	"strings"

	"sigs.k8s.io/yaml"
)

//go:embed controls frameworks lib
var embedded embed.FS

// Severity levels a control can have.
const (
	SeverityLow      = "low"
	SeverityMedium   = "medium"
	SeverityHigh     = "high"
	SeverityCritical = "critical"
)

// Scopes say where a control can be decided.
const (
	// ScopeFile: from manifests alone (files, charts, kustomizations).
	ScopeFile = "file"
	// ScopeCluster: from objects listed from a live cluster.
	ScopeCluster = "cluster"
	// ScopeAdmission: from one admitted object (webhook and ValidatingAdmissionPolicy).
	ScopeAdmission = "admission"
)

// WorkloadKinds are the kinds that carry a pod spec, reached by controls
// through the pod-spec accessor in lib/k8s.rego.
var WorkloadKinds = []string{
	"Pod", "Deployment", "ReplicaSet", "StatefulSet", "DaemonSet",
	"Job", "CronJob", "ReplicationController",
}

var (
	idPattern        = regexp.MustCompile(`^C-[0-9]{4}$`)
	frameworkPattern = regexp.MustCompile(`^[a-z0-9][a-z0-9.-]*$`)
	inputPattern     = regexp.MustCompile(`^[a-z][A-Za-z0-9]*$`)
)

// Control is one security control.
type Control struct {
	ID          string   `json:"id"`
	Name        string   `json:"name"`
	Description string   `json:"description"`
	Remediation string   `json:"remediation"`
	Severity    string   `json:"severity"`
	BaseScore   float64  `json:"baseScore"`
	Scope       []string `json:"scope"`
	// Kinds are the object kinds the control evaluates.
	Kinds []string `json:"kinds"`
	// Related are the kinds whose objects the rule reads with
	// kubescape.inventory (relational controls: RBAC bindings,
	// NetworkPolicies, Services, ...).
	Related []string `json:"related,omitempty"`
	// Inputs are the configurable values the rule reads from data.inputs.
	Inputs     []Input  `json:"inputs,omitempty"`
	References []string `json:"references,omitempty"`
	// Requires names what the control needs beyond Kubernetes objects:
	// "host" (files and processes of the nodes), "cloud" (the cloud
	// provider's API), "registry" (image signatures and manifests) or
	// "manual" (a person's review). Such a control has no
	// rule and is reported as skipped, with SkipReason.
	Requires string `json:"requires,omitempty"`

	// Rego is the source of rule.rego.
	Rego string `json:"-"`
	// Package is the Rego package of the rule, data.kubescape.controls.cNNNN.
	Package string `json:"-"`
	// Frameworks lists the frameworks that hold the control, sorted.
	Frameworks []string `json:"-"`

	dir string
}

// Input is a configurable value of a control, overridable with --controls-config.
type Input struct {
	Name        string `json:"name"`
	Description string `json:"description"`
	Default     any    `json:"default"`
}

// Framework is a named list of controls.
type Framework struct {
	Name        string   `json:"name"`
	Title       string   `json:"title"`
	Description string   `json:"description"`
	Controls    []string `json:"controls"`
}

// TestCase is one fixture of a control and the verdict the control must reach on it.
type TestCase struct {
	Name string `json:"name"`
	// Fixture is the file, in the control's fixtures/ folder, holding the objects.
	Fixture string `json:"fixture"`
	// Resource names the object under test as Kind/name or Kind/namespace/name;
	// the fixture's other objects are its related objects.
	Resource string `json:"resource"`
	// Status is "failed" or "passed".
	Status string `json:"status"`
	// FailedPaths are all the failed paths the control must report, in any order.
	FailedPaths []string `json:"failedPaths,omitempty"`
	// ReviewPaths are all the review paths the control must report, in any order.
	ReviewPaths []string `json:"reviewPaths,omitempty"`
	// FixPaths are fix paths the control must report (it may report more).
	FixPaths []FixPath `json:"fixPaths,omitempty"`
	// Inputs override the control's inputs for this case.
	Inputs map[string]any `json:"inputs,omitempty"`

	// Objects are the fixture's objects, decoded.
	Objects []map[string]any `json:"-"`
}

// FixPath is a field to set and its value.
type FixPath struct {
	Path  string `json:"path"`
	Value string `json:"value"`
}

// Library is the set of controls and frameworks.
type Library struct {
	controls   map[string]*Control
	frameworks map[string]*Framework
	libModules map[string]string
	fsys       fs.FS
}

// Load reads the embedded library.
func Load() (*Library, error) {
	return LoadFS(embedded)
}

// Embedded reports whether the library is the one built into the binary,
// whose rules its tests compile and type-check.
func (l *Library) Embedded() bool { return l.fsys == fs.FS(embedded) }

// LoadFS reads a library laid out like the embedded one.
func LoadFS(fsys fs.FS) (*Library, error) {
	l := &Library{
		controls:   map[string]*Control{},
		frameworks: map[string]*Framework{},
		libModules: map[string]string{},
		fsys:       fsys,
	}
	var errs []error
	dirs, err := fs.ReadDir(fsys, "controls")
	if err != nil {
		return nil, fmt.Errorf("read controls: %w", err)
	}
	for _, d := range dirs {
		if !d.IsDir() {
			continue
		}
		c, err := loadControl(fsys, path.Join("controls", d.Name()))
		if err != nil {
			errs = append(errs, err)
			continue
		}
		if err := l.Register(c); err != nil {
			errs = append(errs, err)
		}
	}
	fws, err := fs.ReadDir(fsys, "frameworks")
	if err != nil {
		return nil, fmt.Errorf("read frameworks: %w", err)
	}
	for _, f := range fws {
		if f.IsDir() || !strings.HasSuffix(f.Name(), ".yaml") {
			continue
		}
		fw, err := loadFramework(fsys, path.Join("frameworks", f.Name()))
		if err != nil {
			errs = append(errs, err)
			continue
		}
		if err := l.RegisterFramework(fw); err != nil {
			errs = append(errs, err)
		}
	}
	libs, err := fs.ReadDir(fsys, "lib")
	if err != nil {
		return nil, fmt.Errorf("read lib: %w", err)
	}
	for _, f := range libs {
		if f.IsDir() || !strings.HasSuffix(f.Name(), ".rego") {
			continue
		}
		b, err := fs.ReadFile(fsys, path.Join("lib", f.Name()))
		if err != nil {
			return nil, fmt.Errorf("read lib: %w", err)
		}
		l.libModules[path.Join("lib", f.Name())] = string(b)
	}
	if err := l.checkInputs(); err != nil {
		errs = append(errs, err)
	}
	if err := errors.Join(errs...); err != nil {
		return nil, err
	}
	return l, nil
}

func loadControl(fsys fs.FS, dir string) (*Control, error) {
	b, err := fs.ReadFile(fsys, path.Join(dir, "control.yaml"))
	if err != nil {
		return nil, fmt.Errorf("control %s: %w", dir, err)
	}
	var c Control
	if err := yaml.UnmarshalStrict(b, &c); err != nil {
		return nil, fmt.Errorf("%s/control.yaml: %w", dir, err)
	}
	c.dir = dir
	if err := c.validate(path.Base(dir)); err != nil {
		return nil, fmt.Errorf("%s/control.yaml: %w", dir, err)
	}
	if c.Requires == "" {
		rego, err := fs.ReadFile(fsys, path.Join(dir, "rule.rego"))
		if err != nil {
			return nil, fmt.Errorf("control %s: %w", c.ID, err)
		}
		c.Rego = string(rego)
		c.Package = PackageOf(c.ID)
		if !bytes.Contains(rego, []byte("package "+strings.TrimPrefix(c.Package, "data.")+"\n")) {
			return nil, fmt.Errorf("%s/rule.rego: package must be %s", dir, strings.TrimPrefix(c.Package, "data."))
		}
	}
	return &c, nil
}

// What a control can require beyond Kubernetes objects.
const (
	RequiresHost     = "host"
	RequiresCloud    = "cloud"
	RequiresRegistry = "registry"
	RequiresManual   = "manual"
)

// SkipReason says why a control that requires more than objects is skipped
// by a scan of objects, or is empty for a control with a rule.
func (c *Control) SkipReason() string {
	switch c.Requires {
	case RequiresHost:
		return "needs a host scan: the files, flags or processes it checks are on the nodes, not in Kubernetes objects"
	case RequiresCloud:
		return "needs cloud provider data: what it checks is in the cloud provider's API, not in Kubernetes objects"
	case RequiresRegistry:
		return "needs the image registry: what it checks is stored with the images, not in Kubernetes objects"
	case RequiresManual:
		return "needs a manual review: what it checks cannot be read from Kubernetes objects"
	}
	return ""
}

// PackageOf returns the Rego package path of a control's rule: C-0057 -> data.kubescape.controls.c0057.
func PackageOf(id string) string {
	return "data.kubescape.controls.c" + strings.TrimPrefix(id, "C-")
}

func (c *Control) validate(dirName string) error {
	var errs []error
	if !idPattern.MatchString(c.ID) {
		errs = append(errs, fmt.Errorf("id %q: want C-NNNN", c.ID))
	}
	if c.ID != dirName {
		errs = append(errs, fmt.Errorf("id %q does not match its folder %q", c.ID, dirName))
	}
	for field, v := range map[string]string{"name": c.Name, "description": c.Description, "remediation": c.Remediation} {
		if strings.TrimSpace(v) == "" {
			errs = append(errs, fmt.Errorf("%s is empty", field))
		}
	}
	switch c.Severity {
	case SeverityLow, SeverityMedium, SeverityHigh, SeverityCritical:
	default:
		errs = append(errs, fmt.Errorf("severity %q: want low, medium, high or critical", c.Severity))
	}
	if c.BaseScore < 1 || c.BaseScore > 10 {
		errs = append(errs, fmt.Errorf("baseScore %v: want 1 to 10", c.BaseScore))
	}
	if len(c.Scope) == 0 {
		errs = append(errs, errors.New("scope is empty"))
	}
	for _, s := range c.Scope {
		if s != ScopeFile && s != ScopeCluster && s != ScopeAdmission {
			errs = append(errs, fmt.Errorf("scope %q: want file, cluster or admission", s))
		}
	}
	if len(c.Kinds) == 0 && c.Requires == "" {
		errs = append(errs, errors.New("kinds is empty"))
	}
	switch c.Requires {
	case "", RequiresHost, RequiresCloud, RequiresRegistry, RequiresManual:
	default:
		errs = append(errs, fmt.Errorf("requires %q: want host, cloud, registry or manual", c.Requires))
	}
	for _, in := range c.Inputs {
		if !inputPattern.MatchString(in.Name) {
			errs = append(errs, fmt.Errorf("input %q: want a lowerCamelCase name", in.Name))
		}
		if strings.TrimSpace(in.Description) == "" {
			errs = append(errs, fmt.Errorf("input %q has no description", in.Name))
		}
		if in.Default == nil {
			errs = append(errs, fmt.Errorf("input %q has no default", in.Name))
		}
	}
	return errors.Join(errs...)
}

func loadFramework(fsys fs.FS, file string) (*Framework, error) {
	b, err := fs.ReadFile(fsys, file)
	if err != nil {
		return nil, fmt.Errorf("framework %s: %w", file, err)
	}
	var fw Framework
	if err := yaml.UnmarshalStrict(b, &fw); err != nil {
		return nil, fmt.Errorf("%s: %w", file, err)
	}
	if !frameworkPattern.MatchString(fw.Name) || fw.Name+".yaml" != path.Base(file) {
		return nil, fmt.Errorf("%s: name %q must be lowercase and match the file name", file, fw.Name)
	}
	if fw.Title == "" || fw.Description == "" || len(fw.Controls) == 0 {
		return nil, fmt.Errorf("%s: title, description and controls are required", file)
	}
	return &fw, nil
}

// Register adds a control; a duplicate ID is an error.
func (l *Library) Register(c *Control) error {
	if _, dup := l.controls[c.ID]; dup {
		return fmt.Errorf("control %s: registered twice", c.ID)
	}
	l.controls[c.ID] = c
	return nil
}

// RegisterFramework adds a framework; a duplicate name or an unknown control ID is an error.
func (l *Library) RegisterFramework(fw *Framework) error {
	if _, dup := l.frameworks[fw.Name]; dup {
		return fmt.Errorf("framework %s: registered twice", fw.Name)
	}
	seen := map[string]bool{}
	for _, id := range fw.Controls {
		if _, ok := l.controls[id]; !ok {
			return fmt.Errorf("framework %s: unknown control %s", fw.Name, id)
		}
		if seen[id] {
			return fmt.Errorf("framework %s: control %s listed twice", fw.Name, id)
		}
		seen[id] = true
	}
	for _, id := range fw.Controls {
		c := l.controls[id]
		c.Frameworks = append(c.Frameworks, fw.Name)
		sort.Strings(c.Frameworks)
	}
	l.frameworks[fw.Name] = fw
	return nil
}

// checkInputs makes sure an input name shared by several controls has one default.
func (l *Library) checkInputs() error {
	defaults := map[string]any{}
	owner := map[string]string{}
	var errs []error
	for _, c := range l.Controls() {
		for _, in := range c.Inputs {
			if prev, ok := defaults[in.Name]; ok && !reflect.DeepEqual(prev, in.Default) {
				errs = append(errs, fmt.Errorf("input %s: control %s and %s give different defaults", in.Name, owner[in.Name], c.ID))
				continue
			}
			defaults[in.Name] = in.Default
			owner[in.Name] = c.ID
		}
	}
	return errors.Join(errs...)
}

// Control returns the control with the given ID.
func (l *Library) Control(id string) (*Control, bool) {
	c, ok := l.controls[strings.ToUpper(id)]
	return c, ok
}

// Controls returns all controls, sorted by ID.
func (l *Library) Controls() []*Control {
	out := make([]*Control, 0, len(l.controls))
	for _, c := range l.controls {
		out = append(out, c)
	}
	sort.Slice(out, func(i, j int) bool { return out[i].ID < out[j].ID })
	return out
}

// Framework returns the framework with the given name (case-insensitive).
func (l *Library) Framework(name string) (*Framework, bool) {
	fw, ok := l.frameworks[strings.ToLower(name)]
	return fw, ok
}

// Frameworks returns all frameworks, sorted by name.
func (l *Library) Frameworks() []*Framework {
	out := make([]*Framework, 0, len(l.frameworks))
	for _, fw := range l.frameworks {
		out = append(out, fw)
	}
	sort.Slice(out, func(i, j int) bool { return out[i].Name < out[j].Name })
	return out
}

// FrameworkNames returns the names of all frameworks, sorted.
func (l *Library) FrameworkNames() []string {
	var out []string
	for _, fw := range l.Frameworks() {
		out = append(out, fw.Name)
	}
	return out
}

// LibModules returns the shared Rego modules by file name.
func (l *Library) LibModules() map[string]string {
	return l.libModules
}

// Defaults returns the default value of every input, by name.
func (l *Library) Defaults() map[string]any {
	out := map[string]any{}
	for _, c := range l.Controls() {
		for _, in := range c.Inputs {
			out[in.Name] = in.Default
		}
	}
	return out
}

// Tests reads the test cases of a control and decodes their fixtures.
func (l *Library) Tests(c *Control) ([]TestCase, error) {
	b, err := fs.ReadFile(l.fsys, path.Join(c.dir, "tests.yaml"))
	if err != nil {
		return nil, fmt.Errorf("control %s: %w", c.ID, err)
	}
	var cases []TestCase
	if err := yaml.UnmarshalStrict(b, &cases); err != nil {
		return nil, fmt.Errorf("%s/tests.yaml: %w", c.dir, err)
	}
	for i := range cases {
		tc := &cases[i]
		file := path.Join(c.dir, "fixtures", tc.Fixture)
		raw, err := fs.ReadFile(l.fsys, file)
		if err != nil {
			return nil, fmt.Errorf("%s/tests.yaml: case %q: %w", c.dir, tc.Name, err)
		}
		objs, err := decodeDocuments(raw)
		if err != nil {
			return nil, fmt.Errorf("%s: %w", file, err)
		}
		tc.Objects = objs
	}
	return cases, nil
}

// ReadFile reads a file of a control's folder (for example cel.yaml), or
// returns an error satisfying errors.Is(err, fs.ErrNotExist) when the
// control has no such file.
func (l *Library) ReadFile(c *Control, name string) ([]byte, error) {
	return fs.ReadFile(l.fsys, path.Join(c.dir, name))
}

// FixtureFiles lists the fixture files of a control.
func (l *Library) FixtureFiles(c *Control) ([]string, error) {
	entries, err := fs.ReadDir(l.fsys, path.Join(c.dir, "fixtures"))
	if err != nil {
		return nil, fmt.Errorf("control %s: %w", c.ID, err)
	}
	var out []string
	for _, e := range entries {
		if !e.IsDir() {
			out = append(out, e.Name())
		}
	}
	return out, nil
}

var docSeparator = regexp.MustCompile(`(?m)^---[ \t]*$`)

func decodeDocuments(raw []byte) ([]map[string]any, error) {
	var out []map[string]any
	for i, doc := range docSeparator.Split(string(raw), -1) {
		if strings.TrimSpace(doc) == "" {
			continue
		}
		var obj map[string]any
		if err := yaml.Unmarshal([]byte(doc), &obj); err != nil {
			return nil, fmt.Errorf("document %d: %w", i, err)
		}
		if obj != nil {
			out = append(out, obj)
		}
	}
	return out, nil
}

// Select resolves the controls named by frameworks and control IDs. With
// neither, it returns every control. Unknown names are an error that lists
// the known ones.
func (l *Library) Select(frameworks, controlIDs []string) ([]*Control, error) {
	if len(frameworks) == 0 && len(controlIDs) == 0 {
		return l.DefaultControls(), nil
	}
	picked := map[string]*Control{}
	for _, name := range frameworks {
		fw, ok := l.Framework(name)
		if !ok {
			return nil, fmt.Errorf("unknown framework %q; known frameworks: %s", name, strings.Join(l.FrameworkNames(), ", "))
		}
		for _, id := range fw.Controls {
			picked[id] = l.controls[id]
		}
	}
	for _, id := range controlIDs {
		c, ok := l.Control(id)
		if !ok {
			return nil, fmt.Errorf("unknown control %q; run 'kubectl kubescape list controls' for the known IDs", id)
		}
		picked[c.ID] = c
	}
	out := make([]*Control, 0, len(picked))
	for _, c := range picked {
		out = append(out, c)
	}
	sort.Slice(out, func(i, j int) bool { return out[i].ID < out[j].ID })
	return out, nil
}

// DefaultControls are what a scan runs when no framework or control is
// named: every control decided from objects. The controls that need a host
// scan, cloud data, the registry or a manual review would only be skipped;
// naming a framework that holds them lists them, skipped, with the reason.
func (l *Library) DefaultControls() []*Control {
	var out []*Control
	for _, c := range l.Controls() {
		if c.Requires == "" {
			out = append(out, c)
		}
	}
	return out
}

// AppliesTo reports whether the control evaluates objects of the kind.
func (c *Control) AppliesTo(kind string) bool {
	return slices.Contains(c.Kinds, kind)
}

// HasScope reports whether the control can be decided in the scope.
func (c *Control) HasScope(scope string) bool {
	return slices.Contains(c.Scope, scope)
}
