// Package source reads the inputs of a scan into Kubernetes objects: YAML
// and JSON files, directories, globs, standard input, Helm charts (rendered
// client-side with the Helm SDK) and Kustomize directories (built with
// krusty).
//
// Every object carries its origin (file, document, line and column) and a
// Locator that maps field paths to source positions. Locators hold no parse
// tree: they keep the document's bytes, or the file region they came from,
// and parse again on demand, so that a scan of many objects stays small.
// Whatever the input, reading does not fail as a whole: what cannot be read
// becomes a result.InputProblem and reading goes on.
package source
