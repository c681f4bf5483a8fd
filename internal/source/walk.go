package source

import (
	"errors"
	"fmt"
	"io/fs"
	"os"
	"path/filepath"
	"slices"
	"strings"

	"github.com/bmatcuk/doublestar/v4"

	"kubescape.io/kubescape/internal/result"
)

// kustomizationFiles are the names that make a directory a Kustomize directory.
var kustomizationFiles = []string{"kustomization.yaml", "kustomization.yml", "Kustomization"}

// expand turns one target into jobs, sorted by path. seen holds the real
// paths already taken by earlier targets, so an input is read once.
func expand(target string, seen map[string]bool) ([]job, error) {
	if target == "-" {
		if seen["-"] {
			return nil, nil
		}
		seen["-"] = true
		return []job{{kind: jobStdin, path: "-"}}, nil
	}
	fi, err := os.Stat(target)
	switch {
	case err == nil:
	case errors.Is(err, fs.ErrNotExist) && strings.ContainsAny(target, "*?[{"):
		return expandGlob(target, seen)
	case errors.Is(err, fs.ErrNotExist):
		return nil, fmt.Errorf("read %s: %w", target, ErrNotFound)
	default:
		return []job{problemJob(target, false, fmt.Errorf("read %s: %w", target, err).Error())}, nil
	}
	w := walker{seen: seen}
	if fi.IsDir() {
		w.dir(target)
	} else {
		w.file(target, realPath(target))
	}
	sortJobs(w.jobs)
	return w.jobs, nil
}

// expandGlob expands a doublestar pattern. Files that match are read when
// they are YAML or JSON, or whatever they are when the pattern names an
// extension (*.txt); directories that match are walked; files inside a Helm
// chart or Kustomize directory stand for that directory. Hidden files match
// only when the pattern names a hidden element.
func expandGlob(pattern string, seen map[string]bool) ([]job, error) {
	matches, err := doublestar.FilepathGlob(pattern)
	if err != nil {
		return nil, fmt.Errorf("read %s: %w", pattern, err)
	}
	if len(matches) == 0 {
		return nil, fmt.Errorf("read %s: %w (no file matches the pattern)", pattern, ErrNotFound)
	}
	base, _ := doublestar.SplitPattern(filepath.ToSlash(pattern))
	base = filepath.FromSlash(base)
	ext := filepath.Ext(pattern)
	anyExt := ext != "" && !strings.ContainsAny(ext, "*?[]{}/\\")
	showHidden := hasHidden(pattern)
	w := walker{seen: seen, specialDirs: map[string]bool{}}
	for _, m := range matches {
		if !showHidden && hasHidden(m) {
			continue
		}
		fi, err := os.Stat(m)
		if err != nil {
			continue
		}
		if dir, ok := w.enclosingSpecial(filepath.Dir(m), base); ok {
			w.dir(dir)
			continue
		}
		switch {
		case fi.IsDir():
			if !w.insideWalked(m) {
				w.walked = append(w.walked, realPath(m))
				w.dir(m)
			}
		case anyExt || isManifestName(m):
			w.file(m, realPath(m))
		}
	}
	sortJobs(w.jobs)
	return w.jobs, nil
}

// walker collects the jobs of one target.
type walker struct {
	seen map[string]bool
	jobs []job
	// specialDirs caches, for a glob, which directories are charts or kustomizations.
	specialDirs map[string]bool
	// walked holds, for a glob, the real paths of the directories walked.
	walked []string
}

func (w *walker) add(real string, j job) {
	if w.seen[real] {
		return
	}
	w.seen[real] = true
	w.jobs = append(w.jobs, j)
}

func (w *walker) file(path, real string) {
	w.add(real, job{kind: jobFile, path: path})
}

// insideWalked reports whether dir is inside a directory this glob walked already.
func (w *walker) insideWalked(dir string) bool {
	real := realPath(dir)
	for _, d := range w.walked {
		if within(d, real) {
			return true
		}
	}
	return false
}

// dir walks a directory: a Helm chart or Kustomize directory is one job;
// otherwise its YAML and JSON files are read, hidden entries skipped and
// symlinks followed only when they stay inside the directory.
func (w *walker) dir(root string) {
	realRoot := realPath(root)
	if k, ok := specialKind(root); ok {
		w.add(realRoot, job{kind: k, path: root})
		return
	}
	walkRoot := root
	if fi, err := os.Lstat(root); err == nil && fi.Mode()&fs.ModeSymlink != 0 {
		// WalkDir does not follow a symlink even as the root; a trailing
		// separator makes it.
		walkRoot = root + string(filepath.Separator)
	}
	_ = filepath.WalkDir(walkRoot, func(p string, d fs.DirEntry, err error) error {
		if p == walkRoot {
			p = root
		}
		if err != nil {
			w.jobs = append(w.jobs, problemJob(p, false, fmt.Errorf("read %s: %w", p, err).Error()))
			if d != nil && d.IsDir() && p != root {
				return fs.SkipDir
			}
			return nil
		}
		if p == root {
			return nil
		}
		if isHidden(d.Name()) {
			if d.IsDir() {
				return fs.SkipDir
			}
			return nil
		}
		rel, _ := filepath.Rel(root, p)
		real := filepath.Join(realRoot, rel)
		switch {
		case d.IsDir():
			if k, ok := specialKind(p); ok {
				w.add(real, job{kind: k, path: p})
				return fs.SkipDir
			}
		case d.Type()&fs.ModeSymlink != 0:
			w.symlink(p, realRoot)
		case d.Type().IsRegular() && isManifestName(p):
			w.file(p, real)
		}
		return nil
	})
}

// symlink follows a symlink met in a walk when it resolves inside the walked
// directory. A link to a directory is not followed: what it points to is
// inside the directory, so the walk reads it anyway.
func (w *walker) symlink(p, realRoot string) {
	target, err := filepath.EvalSymlinks(p)
	if err != nil {
		w.jobs = append(w.jobs, problemJob(p, true, "broken symlink: "+err.Error()))
		return
	}
	target, _ = filepath.Abs(target)
	if !within(realRoot, target) {
		w.jobs = append(w.jobs, problemJob(p, true,
			fmt.Sprintf("symlink points outside the scanned directory (to %s); not followed", target)))
		return
	}
	fi, err := os.Stat(target)
	if err != nil || !fi.Mode().IsRegular() || !isManifestName(p) {
		return
	}
	w.file(p, target)
}

// enclosingSpecial finds, from dir up to base, a directory that is a Helm
// chart or a Kustomize directory.
func (w *walker) enclosingSpecial(dir, base string) (string, bool) {
	base = filepath.Clean(base)
	for d := filepath.Clean(dir); ; d = filepath.Dir(d) {
		special, cached := w.specialDirs[d]
		if !cached {
			_, special = specialKind(d)
			w.specialDirs[d] = special
		}
		if special {
			return d, true
		}
		if d == base || d == filepath.Dir(d) || d == "." {
			return "", false
		}
	}
}

// specialKind says whether dir is a Helm chart or a Kustomize directory.
func specialKind(dir string) (jobKind, bool) {
	if isFile(filepath.Join(dir, "Chart.yaml")) {
		return jobHelm, true
	}
	for _, name := range kustomizationFiles {
		if isFile(filepath.Join(dir, name)) {
			return jobKustomize, true
		}
	}
	return 0, false
}

func isFile(p string) bool {
	fi, err := os.Stat(p)
	return err == nil && fi.Mode().IsRegular()
}

func isManifestName(p string) bool {
	switch strings.ToLower(filepath.Ext(p)) {
	case ".yaml", ".yml", ".json":
		return true
	}
	return false
}

func isHidden(name string) bool {
	return len(name) > 1 && name[0] == '.' && name != ".."
}

// hasHidden reports whether a path has a hidden element.
func hasHidden(p string) bool {
	for _, e := range strings.Split(filepath.ToSlash(p), "/") {
		if isHidden(e) {
			return true
		}
	}
	return false
}

// realPath is the absolute path with symlinks resolved (as far as they resolve).
func realPath(p string) string {
	if r, err := filepath.EvalSymlinks(p); err == nil {
		p = r
	}
	abs, err := filepath.Abs(p)
	if err != nil {
		return p
	}
	return abs
}

// within reports whether path is root or inside it.
func within(root, path string) bool {
	rel, err := filepath.Rel(root, path)
	return err == nil && rel != ".." && !strings.HasPrefix(rel, ".."+string(filepath.Separator)) && !filepath.IsAbs(rel)
}

func problemJob(source string, skipped bool, reason string) job {
	return job{kind: jobProblem, path: source, problem: result.InputProblem{Source: source, Reason: reason, Skipped: skipped}}
}

func sortJobs(jobs []job) {
	slices.SortStableFunc(jobs, func(a, b job) int { return strings.Compare(a.path, b.path) })
}
