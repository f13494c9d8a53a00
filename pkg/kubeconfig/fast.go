package kubeconfig

import (
	"bytes"
	"context"
	"errors"
	"io/fs"
	"os"
	"path/filepath"
	"slices"
)

// The fast paths below serve kcfg use, current and list -o name on large
// files: they read the files with the scanner of scan.go instead of a full
// YAML parse and clientcmd decode. Each one gives up (ok == false) as soon
// as a file is not in the shape the scanner understands, or anything but
// the plain successful case is at hand (errors, shadowed names, dry runs),
// and its caller then takes the full path, which decides. So the fast paths
// never change a result, only the time it takes; the tests run both on the
// same files and compare.

// quickView is what the fast paths know of a set of files.
type quickView struct {
	current  string
	contexts map[string][2]string // name: cluster, user
	clusters map[string]bool
	users    map[string]bool
	files    []string
}

// quickLoad scans the files of src as Load reads them; ok is false when
// the full path must decide.
func quickLoad(src Source) (*quickView, bool) {
	v := &quickView{contexts: map[string][2]string{}, clusters: map[string]bool{}, users: map[string]bool{}}
	for _, p := range src.Paths() {
		data, err := os.ReadFile(p)
		if errors.Is(err, fs.ErrNotExist) && !src.Explicit() {
			continue
		}
		if err != nil {
			return nil, false
		}
		sc, ok := scanKubeconfig(data)
		if !ok {
			return nil, false
		}
		v.files = append(v.files, p)
		if v.current == "" && sc.current != nil {
			v.current = sc.text(sc.current)
		}
		// A name defined in several files: leave clientcmd's merge to the full path.
		for i, n := range sc.contexts {
			if _, dup := v.contexts[n]; dup {
				return nil, false
			}
			v.contexts[n] = sc.refs[i]
		}
		for _, n := range sc.clusters {
			if v.clusters[n] {
				return nil, false
			}
			v.clusters[n] = true
		}
		for _, n := range sc.users {
			if v.users[n] {
				return nil, false
			}
			v.users[n] = true
		}
	}
	// What Validate reports is left to the full path.
	for _, ref := range v.contexts {
		if ref[0] != "" && !v.clusters[ref[0]] || ref[1] != "" && !v.users[ref[1]] {
			return nil, false
		}
	}
	return v, len(v.files) > 0
}

// CurrentContextName returns the name of the current context of src's
// files, with the checks of Load and Config.Validate: the same name, or the
// same error, as Load, Validate and Config.CurrentContext together. Files
// in the usual shape are only scanned, not parsed, which keeps it fast on
// files with thousands of contexts.
func CurrentContextName(src Source) (string, error) {
	if v, ok := quickLoad(src); ok && v.current != "" {
		return v.current, nil
	}
	return currentContextFull(src)
}

func currentContextFull(src Source) (string, error) {
	cfg, err := Load(src)
	if err != nil {
		return "", err
	}
	if err := cfg.Validate(); err != nil {
		return "", err
	}
	return cfg.CurrentContext()
}

// ContextNames returns the names of every context of src's files, sorted,
// with the checks of Load and Config.Validate: the names of Summaries, or
// the same error as Load and Validate.
func ContextNames(src Source) ([]string, error) {
	if v, ok := quickLoad(src); ok {
		return sortedKeys(v.contexts), nil
	}
	return contextNamesFull(src)
}

func contextNamesFull(src Source) ([]string, error) {
	cfg, err := Load(src)
	if err != nil {
		return nil, err
	}
	if err := cfg.Validate(); err != nil {
		return nil, err
	}
	return sortedKeys(cfg.Merged.Contexts), nil
}

// useFast is Use for one file in the usual shape: it locks the file, scans
// it, replaces (or adds) the current-context line, and commits as the full
// path does (backup for undo, atomic write, previous-context memory).
// handled is false when the full path must run instead.
func (e *Editor) useFast(ctx context.Context, name string) (res *Result, handled bool, err error) {
	paths := e.Source.Paths()
	if e.DryRun || e.noFastPath || len(paths) != 1 {
		return nil, false, nil
	}
	path := paths[0]
	var lockPaths []string
	if _, err := os.Stat(filepath.Dir(path)); err == nil {
		lockPaths = append(lockPaths, path)
	}
	locks, err := LockFiles(ctx, lockPaths, e.Lock)
	if err != nil {
		return nil, true, err
	}
	defer locks.Unlock()
	data, err := os.ReadFile(path)
	if err != nil {
		return nil, false, nil
	}
	sc, ok := scanKubeconfig(data)
	if !ok {
		return nil, false, nil
	}
	if name == Previous {
		if name, err = e.previousContext(); err != nil {
			return nil, true, err
		}
	}
	if !slices.Contains(sc.contexts, name) {
		return nil, false, nil
	}
	old := ""
	if sc.current != nil {
		old = sc.text(sc.current)
	}
	if old == name {
		return &Result{Actions: []Action{{Verb: "unchanged", Kind: "current-context", Name: name}}}, true, nil
	}
	after, ok := setCurrentContextText(sc, name)
	if !ok {
		return nil, false, nil
	}
	t := &tx{ed: e, paths: paths, res: &Result{}, whole: map[string][]byte{}}
	t.res.Changes = []FileChange{{Path: path, Before: data, After: after}}
	t.res.Actions = []Action{{Verb: "switched", Kind: "current-context", Name: old, To: name, File: path}}
	if err := t.commit(); err != nil {
		return nil, true, err
	}
	t.rememberContext(old)
	for _, f := range t.after {
		if err := f(ctx); err != nil {
			t.res.Warnings = append(t.res.Warnings, err.Error())
		}
	}
	return t.res, true, nil
}

// setCurrentContextText is document.setCurrentContext on scanned text: the
// value is replaced in the style it had (see renderScalar), or a
// current-context line is added before the first key. The changed line is
// scanned again on its own and must read as current-context: name; as
// every other line is unchanged, the whole file then reads as before but
// for current-context. ok is false when it does not.
func setCurrentContextText(sc *scanned, name string) (out []byte, ok bool) {
	start, end := sc.firstKey, sc.firstKey
	text := "current-context: " + renderScalar(name, 0, false) + "\n"
	if c := sc.current; c != nil {
		start, end = c.start, c.end
		text = renderScalar(name, c.style, false)
	}
	out = make([]byte, 0, len(sc.data)+len(text))
	out = append(out, sc.data[:start]...)
	out = append(out, text...)
	out = append(out, sc.data[end:]...)
	ls := bytes.LastIndexByte(out[:start], '\n') + 1
	le := bytes.IndexByte(out[start+len(text)-1:], '\n')
	if le < 0 {
		le = len(out)
	} else {
		le += start + len(text) - 1
	}
	line, ok := scanKubeconfig(out[ls:le])
	if !ok || line.current == nil || line.text(line.current) != name || len(line.contexts)+len(line.clusters)+len(line.users) > 0 {
		return nil, false
	}
	return out, true
}
