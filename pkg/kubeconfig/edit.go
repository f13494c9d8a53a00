package kubeconfig

import (
	"bytes"
	"context"
	"errors"
	"fmt"
	"os"
	"path/filepath"
	"strings"
	"time"

	clientcmdapi "k8s.io/client-go/tools/clientcmd/api"
)

// Edit errors, for errors.Is.
var (
	// ErrNameClash: a name to be created already exists.
	ErrNameClash = errors.New("name already exists")
	// ErrSameFile: an output file is also one of the files read.
	ErrSameFile = errors.New("output file is also an input")
	// ErrNotInFile: --in names a file that does not hold the entry.
	ErrNotInFile = errors.New("entry not in the named file")
	// ErrEmptyName: a new name is empty.
	ErrEmptyName = errors.New("a name cannot be empty")
)

// Editor makes lossless, safe edits to the kubeconfig files of a Source.
//
// Every edit is one read-modify-write under client-go's FILE.lock for every
// file involved: the files are read, the change is made on their text
// (every byte outside the changed entries stays), the new text is parsed
// again and checked, the old contents are saved for undo, and each changed
// file is replaced atomically. Where a change goes follows client-go's
// ModifyConfig, so kcfg and kubectl write the same files.
type Editor struct {
	Source Source
	// State keeps backups and the previous context; nil keeps nothing.
	State *State
	Lock  LockOptions
	// DryRun computes the changes without writing anything.
	DryRun bool
	// Command is recorded with the backups, for kcfg undo's report.
	Command string
	Now     func() time.Time
	// noFastPath makes Use always take the full path (tests compare both).
	noFastPath bool
}

// FileChange is one file written (or, with DryRun, that would be written).
type FileChange struct {
	Path    string
	Before  []byte
	After   []byte
	Created bool
	// Removed is set when undo removes a file kcfg had created.
	Removed bool
}

// Action is one thing an edit did, for the command's report.
type Action struct {
	// Verb is what happened: switched, set, deleted, renamed, added,
	// replaced, skipped, identical, unset, restored.
	Verb string
	// Kind is context, cluster, user, current-context or namespace.
	Kind string
	Name string
	// To is the new name or value, where there is one.
	To   string
	File string
}

// Result is what an edit did or would do.
type Result struct {
	Changes  []FileChange
	Actions  []Action
	Warnings []string
}

func (e *Editor) now() time.Time {
	if e.Now != nil {
		return e.Now()
	}
	return time.Now()
}

// tx is one read-modify-write.
type tx struct {
	ed     *Editor
	paths  []string             // precedence list, existing or not
	docs   map[string]*document // every file read or to be written
	order  []string             // files that exist, in precedence order
	merged *clientcmdapi.Config // clientcmd's merge, LocationOfOrigin set, paths as written
	res    *Result
	// whole holds files written whole (export), with their mode.
	whole map[string][]byte
	// after runs once the files are written (memory updates).
	after []func(context.Context) error
}

// run locks the files, loads them, calls fn, and writes what changed.
func (e *Editor) run(ctx context.Context, extra []string, fn func(*tx) error) (*Result, error) {
	paths := e.Source.Paths()
	var lockPaths []string
	for _, p := range append(append([]string(nil), paths...), extra...) {
		if _, err := os.Stat(filepath.Dir(p)); err == nil {
			lockPaths = append(lockPaths, p)
		}
	}
	if !e.DryRun {
		locks, err := LockFiles(ctx, lockPaths, e.Lock)
		if err != nil {
			return nil, err
		}
		defer locks.Unlock()
	}
	t := &tx{ed: e, paths: paths, docs: map[string]*document{}, res: &Result{}, whole: map[string][]byte{}}
	if err := t.load(); err != nil {
		return nil, err
	}
	if err := fn(t); err != nil {
		return nil, err
	}
	if err := t.collect(); err != nil {
		return nil, err
	}
	if e.DryRun || len(t.res.Changes) == 0 {
		return t.res, nil
	}
	if err := t.commit(); err != nil {
		return nil, err
	}
	for _, f := range t.after {
		if err := f(ctx); err != nil {
			t.res.Warnings = append(t.res.Warnings, err.Error())
		}
	}
	return t.res, nil
}

func (t *tx) load() error {
	for _, p := range t.paths {
		data, ok, err := readIfExists(p)
		if err != nil {
			return err
		}
		if !ok {
			if t.ed.Source.Explicit() {
				return &Error{File: p, Err: ErrMissingFile}
			}
			continue
		}
		d, err := newDocument(p, data, true)
		if err != nil {
			return err
		}
		t.docs[p] = d
		t.order = append(t.order, p)
	}
	t.remerge()
	return nil
}

// remerge merges the files' configs (as they will be) as clientcmd does:
// the first file to define a name wins, and the first current-context set.
func (t *tx) remerge() {
	m := clientcmdapi.NewConfig()
	for _, p := range t.order {
		c := t.docs[p].config
		if m.CurrentContext == "" {
			m.CurrentContext = c.CurrentContext
		}
		for k, v := range c.Clusters {
			if _, ok := m.Clusters[k]; !ok {
				x := v.DeepCopy()
				x.LocationOfOrigin = p
				m.Clusters[k] = x
			}
		}
		for k, v := range c.AuthInfos {
			if _, ok := m.AuthInfos[k]; !ok {
				x := v.DeepCopy()
				x.LocationOfOrigin = p
				m.AuthInfos[k] = x
			}
		}
		for k, v := range c.Contexts {
			if _, ok := m.Contexts[k]; !ok {
				x := v.DeepCopy()
				x.LocationOfOrigin = p
				m.Contexts[k] = x
			}
		}
	}
	t.merged = m
}

// doc returns the document for path, an empty one when the file does not exist.
func (t *tx) doc(path string) (*document, error) {
	if d, ok := t.docs[path]; ok {
		return d, nil
	}
	data, ok, err := readIfExists(path)
	if err != nil {
		return nil, err
	}
	d, err := newDocument(path, data, ok)
	if err != nil {
		return nil, err
	}
	t.docs[path] = d
	return d, nil
}

// defaultFile is where client-go writes what has no file yet: the explicit
// file; else the only KUBECONFIG entry, the first one that exists, or the
// last one; else ~/.kube/config.
func (t *tx) defaultFile() string {
	if t.ed.Source.Explicit() {
		return t.ed.Source.ExplicitPath
	}
	if t.ed.Source.EnvPath != "" && len(t.paths) > 0 {
		if len(t.paths) == 1 {
			return t.paths[0]
		}
		if len(t.order) > 0 {
			return t.order[0]
		}
		return t.paths[len(t.paths)-1]
	}
	return t.ed.Source.DefaultPath()
}

// currentContextFile is where client-go writes current-context: a new
// value to the default file, an empty one to the first file that sets it.
func (t *tx) currentContextFile(value string) (string, bool) {
	if t.ed.Source.Explicit() || value != "" {
		return t.defaultFile(), true
	}
	for _, p := range t.order {
		if t.docs[p].config.CurrentContext != "" {
			return p, true
		}
	}
	return "", false
}

func (t *tx) setCurrentContext(name string) error {
	p, ok := t.currentContextFile(name)
	if !ok {
		return nil
	}
	d, err := t.doc(p)
	if err != nil {
		return err
	}
	return d.setCurrentContext(name)
}

// contextFile picks the file whose context called name a command acts on:
// the one named by in, else the one kubectl uses (with a warning when
// another file's context of the same name is shadowed, which suggests
// --in FILE where the command can choose).
func (t *tx) contextFile(name, in string, canChoose bool) (string, error) {
	var holders []string
	for _, p := range t.order {
		if _, ok := t.docs[p].config.Contexts[name]; ok {
			holders = append(holders, p)
		}
	}
	if len(holders) == 0 {
		return "", t.unknownContext(name)
	}
	if in != "" {
		for _, p := range holders {
			if sameFile(p, in) {
				return p, nil
			}
		}
		return "", &Error{File: in, Kind: "context", Name: name, Err: ErrNotInFile,
			Detail: fmt.Sprintf("it is defined in %s", joinPaths(holders))}
	}
	if len(holders) > 1 {
		hint := ""
		if canChoose {
			hint = "; choose one with --in FILE"
		}
		t.res.Warnings = append(t.res.Warnings, fmt.Sprintf(
			"context %q is defined in %s; acting on the one in %s, which kubectl uses (the others are shadowed%s)",
			name, strings.Join(holders, ", "), holders[0], hint))
	}
	return holders[0], nil
}

func (t *tx) unknownContext(name string) error {
	all := names(t.merged.Contexts)
	detail := "no context is defined"
	if len(all) > 0 {
		if near := closest(name, all, 3); len(near) > 0 {
			detail = "did you mean " + quoteList(near) + "?"
		} else {
			detail = "contexts: " + quoteList(all)
		}
	}
	return &Error{File: t.describe(), Kind: "context", Name: name, Err: ErrContextNotFound, Detail: detail}
}

func (t *tx) describe() string {
	if len(t.order) == 0 {
		return joinPaths(t.paths)
	}
	return joinPaths(t.order)
}

func joinPaths(p []string) string {
	s := ""
	for i, x := range p {
		if i > 0 {
			s += string(os.PathListSeparator)
		}
		s += x
	}
	return s
}

// sameFile reports whether a and b name the same file.
func sameFile(a, b string) bool {
	if filepath.Clean(a) == filepath.Clean(b) {
		return true
	}
	aa, err1 := filepath.Abs(a)
	bb, err2 := filepath.Abs(b)
	if err1 == nil && err2 == nil && aa == bb {
		return true
	}
	sa, err1 := os.Stat(a)
	sb, err2 := os.Stat(b)
	return err1 == nil && err2 == nil && os.SameFile(sa, sb)
}

// collect finishes every touched document and lists the changed files.
func (t *tx) collect() error {
	seen := map[string]bool{}
	var paths []string
	for _, p := range t.order {
		paths = append(paths, p)
		seen[p] = true
	}
	for p := range t.docs {
		if !seen[p] {
			paths = append(paths, p)
			seen[p] = true
		}
	}
	for _, p := range paths {
		d := t.docs[p]
		if !d.touched {
			continue
		}
		out, err := d.finish()
		if err != nil {
			return err
		}
		if !bytes.Equal(out, d.before) || !d.exists {
			t.res.Changes = append(t.res.Changes, FileChange{Path: p, Before: d.before, After: out, Created: !d.exists})
		}
	}
	for p, data := range t.whole {
		before, ok, err := readIfExists(p)
		if err != nil {
			return err
		}
		if !bytes.Equal(before, data) || !ok {
			t.res.Changes = append(t.res.Changes, FileChange{Path: p, Before: before, After: data, Created: !ok})
		}
	}
	return nil
}

// commit saves backups and writes every change; when one write fails, the
// files already written are put back.
func (t *tx) commit() error {
	if t.ed.State != nil {
		if _, err := t.ed.State.record(t.ed.now(), t.ed.Command, t.res.Changes); err != nil {
			return err
		}
	}
	for i, c := range t.res.Changes {
		var err error
		if _, ok := t.whole[c.Path]; ok {
			err = writeFile(c.Path, c.After, NewFileMode)
		} else {
			err = WriteFileAtomic(c.Path, c.After)
		}
		if err != nil {
			for _, done := range t.res.Changes[:i] {
				if done.Created {
					_ = os.Remove(done.Path)
				} else {
					_ = WriteFileAtomic(done.Path, done.Before)
				}
			}
			return err
		}
	}
	return nil
}

// memoryKey names this Source's files in the state memory.
func (e *Editor) memoryKey() string { return filesKey(e.Source.Paths()) }
