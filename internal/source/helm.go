package source

import (
	"fmt"
	"maps"
	"slices"
	"strings"

	"helm.sh/helm/v3/pkg/chart/loader"
	"helm.sh/helm/v3/pkg/chartutil"
	"helm.sh/helm/v3/pkg/engine"
	"helm.sh/helm/v3/pkg/strvals"

	"kubescape.io/kubescape/internal/resource"
)

// renderHelm renders a chart directory client-side, as helm install
// --dry-run=client would, and reads each rendered template and CRD file.
func renderHelm(dir string, opts Options, w worker) parsed {
	var out parsed
	manifests, err := helmManifests(dir, opts)
	if err != nil {
		out.problem(dir, 0, false, "%v", err)
		return out
	}
	for _, name := range slices.Sorted(maps.Keys(manifests)) {
		p := parseInput(input{kind: resource.OriginHelm, path: name, data: []byte(manifests[name]), worker: w})
		out.objects = append(out.objects, p.objects...)
		out.problems = append(out.problems, p.problems...)
	}
	return out
}

// helmManifests returns the non-empty rendered manifests of a chart, by
// template path (chart/templates/x.yaml), with the chart's CRD files.
func helmManifests(dir string, opts Options) (map[string]string, error) {
	chrt, err := loader.Load(dir)
	if err != nil {
		return nil, fmt.Errorf("load chart %s: %w", dir, err)
	}
	vals, err := helmValues(opts)
	if err != nil {
		return nil, fmt.Errorf("chart %s: %w", dir, err)
	}
	if err := chartutil.ProcessDependenciesWithMerge(chrt, vals); err != nil {
		return nil, fmt.Errorf("chart %s: dependencies: %w", dir, err)
	}
	release := chartutil.ReleaseOptions{
		Name: opts.ReleaseName, Namespace: opts.ReleaseNamespace, Revision: 1, IsInstall: true,
	}
	renderVals, err := chartutil.ToRenderValues(chrt, vals, release, chartutil.DefaultCapabilities)
	if err != nil {
		return nil, fmt.Errorf("chart %s: values: %w", dir, err)
	}
	rendered, err := engine.Render(chrt, renderVals)
	if err != nil {
		return nil, fmt.Errorf("render chart %s: %w", dir, err)
	}
	out := make(map[string]string, len(rendered))
	for name, text := range rendered {
		if strings.HasSuffix(name, "NOTES.txt") || strings.TrimSpace(text) == "" {
			continue
		}
		out[name] = text
	}
	for _, crd := range chrt.CRDObjects() {
		out[crd.Filename] = string(crd.File.Data)
	}
	return out, nil
}

// helmValues merges the --values files in order, then applies --set.
func helmValues(opts Options) (map[string]any, error) {
	vals := map[string]any{}
	for _, f := range opts.HelmValues {
		v, err := chartutil.ReadValuesFile(f)
		if err != nil {
			return nil, fmt.Errorf("read values %s: %w", f, err)
		}
		mergeValues(vals, v)
	}
	for _, s := range opts.HelmSet {
		if err := strvals.ParseInto(s, vals); err != nil {
			return nil, fmt.Errorf("parse --set %s: %w", s, err)
		}
	}
	return vals, nil
}

// mergeValues merges src into dst: maps merge key by key, anything else in src replaces.
func mergeValues(dst, src map[string]any) {
	for k, v := range src {
		if sm, ok := v.(map[string]any); ok {
			if dm, ok := dst[k].(map[string]any); ok {
				mergeValues(dm, sm)
				continue
			}
		}
		dst[k] = v
	}
}
