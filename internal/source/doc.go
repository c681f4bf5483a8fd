// Package source reads the inputs of a scan into Kubernetes objects: YAML
// and JSON files, directories, doublestar globs, standard input, Helm charts
// (rendered client-side with the Helm SDK) and Kustomize directories (built
// with krusty).
//
// A directory is walked recursively for .yaml, .yml and .json files; hidden
// files and directories are skipped, a directory holding Chart.yaml is
// rendered as a Helm chart and one holding a kustomization file is built,
// and a symlink is followed only when it resolves inside the walked
// directory. A file named explicitly is read whatever its extension.
//
// Every object carries its origin (file, document, line and column) and a
// Locator that maps field paths to source positions. Locators hold no parse
// tree: they keep the document's bytes, or the region of the file it came
// from, and parse again on demand, so that a scan of many objects stays
// small. Whatever the input, reading does not fail as a whole: what cannot
// be read becomes a result.InputProblem and reading goes on.
package source
