package source

import (
	"fmt"

	"sigs.k8s.io/kustomize/api/krusty"
	"sigs.k8s.io/kustomize/kyaml/filesys"

	"kubescape.io/kubescape/internal/resource"
)

// renderKustomize builds a Kustomize directory with the default options (as
// kubectl kustomize does) and reads the objects it outputs.
func renderKustomize(dir string, w worker) parsed {
	var out parsed
	k := krusty.MakeKustomizer(krusty.MakeDefaultOptions())
	m, err := k.Run(filesys.MakeFsOnDisk(), dir)
	if err != nil {
		out.problem(dir, 0, false, "%v", fmt.Errorf("build kustomization %s: %w", dir, err))
		return out
	}
	yml, err := m.AsYaml()
	if err != nil {
		out.problem(dir, 0, false, "%v", fmt.Errorf("build kustomization %s: %w", dir, err))
		return out
	}
	return parseInput(input{kind: resource.OriginKustomize, path: dir, data: yml, worker: w})
}
