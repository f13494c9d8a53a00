package kubeconfig

import (
	"context"
	"fmt"
	"os"
	"path/filepath"
	"reflect"
	"slices"
	"sort"

	"k8s.io/client-go/tools/clientcmd"
	clientcmdapi "k8s.io/client-go/tools/clientcmd/api"
)

// Previous is the name that stands for the previous context or namespace.
const Previous = "-"

// Use makes name the current context; Previous switches back to the
// context that was current before the last switch.
func (e *Editor) Use(ctx context.Context, name string) (*Result, error) {
	if res, handled, err := e.useFast(ctx, name); handled {
		return res, err
	}
	return e.run(ctx, nil, func(t *tx) error {
		old := t.merged.CurrentContext
		if name == Previous {
			prev, err := e.previousContext()
			if err != nil {
				return err
			}
			name = prev
		}
		if _, err := t.contextFile(name, "", false); err != nil {
			return err
		}
		if old == name {
			t.res.Actions = append(t.res.Actions, Action{Verb: "unchanged", Kind: "current-context", Name: name})
			return nil
		}
		if err := t.setCurrentContext(name); err != nil {
			return err
		}
		f, _ := t.currentContextFile(name)
		t.res.Actions = append(t.res.Actions, Action{Verb: "switched", Kind: "current-context", Name: old, To: name, File: f})
		t.rememberContext(old)
		return nil
	})
}

func (t *tx) rememberContext(old string) {
	if old == "" || t.ed.State == nil {
		return
	}
	key := t.ed.memoryKey()
	t.after = append(t.after, func(ctx context.Context) error {
		return t.ed.State.updateMemory(ctx, func(m *memory) { m.PreviousContext[key] = old })
	})
}

func (e *Editor) previousContext() (string, error) {
	if e.State != nil {
		m, err := e.State.loadMemory()
		if err != nil {
			return "", err
		}
		if p := m.PreviousContext[e.memoryKey()]; p != "" {
			return p, nil
		}
	}
	return "", fmt.Errorf("%w: no context was switched from with kcfg for %s", ErrNoPrevious, joinPaths(e.Source.Paths()))
}

// SetNamespace sets the namespace of the current context (of the one in
// file in, when the name is defined in several files). Previous goes back to
// the namespace it had before the last change.
func (e *Editor) SetNamespace(ctx context.Context, ns, in string) (*Result, error) {
	return e.run(ctx, nil, func(t *tx) error {
		cur := t.merged.CurrentContext
		if cur == "" {
			return &Error{File: t.describe(), Field: "current-context", Err: ErrNoCurrentContext, Detail: "choose one with: kcfg use NAME"}
		}
		file, err := t.contextFile(cur, in, true)
		if err != nil {
			return err
		}
		d := t.docs[file]
		old := d.config.Contexts[cur].Namespace
		memKey := t.ed.memoryKey() + "\x00" + cur
		if ns == Previous {
			prev := ""
			if e.State != nil {
				m, err := e.State.loadMemory()
				if err != nil {
					return err
				}
				prev = m.PreviousNamespace[memKey]
			}
			if prev == "" {
				return fmt.Errorf("%w: no namespace of context %q was changed with kcfg", ErrNoPrevious, cur)
			}
			ns = prev
		}
		if ns == old {
			t.res.Actions = append(t.res.Actions, Action{Verb: "unchanged", Kind: "namespace", Name: cur, To: ns, File: file})
			return nil
		}
		if err := d.setContextNamespace(cur, ns); err != nil {
			return err
		}
		t.res.Actions = append(t.res.Actions, Action{Verb: "set", Kind: "namespace", Name: cur, To: ns, File: file})
		if e.State != nil {
			prevNS := old
			if prevNS == "" {
				prevNS = "default"
			}
			t.after = append(t.after, func(ctx context.Context) error {
				return e.State.updateMemory(ctx, func(m *memory) { m.PreviousNamespace[memKey] = prevNS })
			})
		}
		return nil
	})
}

// DeleteOptions are the options of Delete.
type DeleteOptions struct {
	// KeepOrphans keeps clusters and users that no remaining context uses.
	KeepOrphans bool
	// In names the file whose context is meant, when several define it.
	In string
}

// Delete removes contexts, and the clusters and users they used that no
// remaining context uses. Deleting the current context unsets it.
func (e *Editor) Delete(ctx context.Context, ctxNames []string, opts DeleteOptions) (*Result, error) {
	return e.run(ctx, nil, func(t *tx) error {
		used := map[string]map[string]bool{ListClusters: {}, ListUsers: {}}
		cur := t.merged.CurrentContext
		seen := map[string]bool{}
		for _, name := range ctxNames {
			// A name given twice means one context, not also a shadowed one.
			if seen[name] {
				continue
			}
			seen[name] = true
			file, err := t.contextFile(name, opts.In, true)
			if err != nil {
				return err
			}
			d := t.docs[file]
			c := d.config.Contexts[name]
			used[ListClusters][c.Cluster] = true
			used[ListUsers][c.AuthInfo] = true
			if err := d.deleteItem(ListContexts, name); err != nil {
				return err
			}
			t.res.Actions = append(t.res.Actions, Action{Verb: "deleted", Kind: "context", Name: name, File: file})
		}
		t.remerge()
		if cur != "" {
			if _, still := t.merged.Contexts[cur]; !still {
				// The file is the one that set it, known before it is cleared.
				f, _ := t.currentContextFile("")
				if err := t.setCurrentContext(""); err != nil {
					return err
				}
				t.remerge()
				// A later file of KUBECONFIG may set current-context too: it applies now.
				t.res.Actions = append(t.res.Actions, Action{Verb: "unset", Kind: "current-context", Name: cur, File: f, To: t.merged.CurrentContext})
			}
		}
		if opts.KeepOrphans {
			return nil
		}
		for _, c := range t.merged.Contexts {
			delete(used[ListClusters], c.Cluster)
			delete(used[ListUsers], c.AuthInfo)
		}
		for _, list := range []string{ListClusters, ListUsers} {
			for _, name := range names(used[list]) {
				file := t.origin(list, name)
				if file == "" {
					continue
				}
				if err := t.docs[file].deleteItem(list, name); err != nil {
					return err
				}
				t.res.Actions = append(t.res.Actions, Action{Verb: "deleted", Kind: kindOf(list), Name: name, File: file})
			}
		}
		t.remerge()
		return nil
	})
}

// origin is the file of the cluster or user kubectl uses under name.
func (t *tx) origin(list, name string) string {
	switch list {
	case ListClusters:
		if c, ok := t.merged.Clusters[name]; ok {
			return c.LocationOfOrigin
		}
	case ListUsers:
		if u, ok := t.merged.AuthInfos[name]; ok {
			return u.LocationOfOrigin
		}
	case ListContexts:
		if c, ok := t.merged.Contexts[name]; ok {
			return c.LocationOfOrigin
		}
	}
	return ""
}

// Rename renames a context, fixing current-context and the previous-context memory.
func (e *Editor) Rename(ctx context.Context, old, name, in string) (*Result, error) {
	return e.run(ctx, nil, func(t *tx) error {
		file, err := t.contextFile(old, in, true)
		if err != nil {
			return err
		}
		if name == "" {
			return &Error{File: file, Kind: "context", Name: old, Err: ErrEmptyName, Detail: "give a new name"}
		}
		if old == name {
			return &Error{File: file, Kind: "context", Name: old, Err: ErrNameClash, Detail: "the new name is the same as the old one"}
		}
		if c, ok := t.merged.Contexts[name]; ok {
			return &Error{File: c.LocationOfOrigin, Kind: "context", Name: name, Err: ErrNameClash,
				Detail: fmt.Sprintf("cannot rename %q to it", old)}
		}
		// The context kubectl uses under old is the one in its first file.
		effective := file == t.order[indexOfHolder(t, old)]
		if err := t.docs[file].renameItem(ListContexts, old, name); err != nil {
			return err
		}
		t.res.Actions = append(t.res.Actions, Action{Verb: "renamed", Kind: "context", Name: old, To: name, File: file})
		if t.merged.CurrentContext == old && effective {
			if err := t.setCurrentContext(name); err != nil {
				return err
			}
			f, _ := t.currentContextFile(name)
			t.res.Actions = append(t.res.Actions, Action{Verb: "switched", Kind: "current-context", Name: old, To: name, File: f})
		}
		if e.State != nil {
			key := e.memoryKey()
			t.after = append(t.after, func(ctx context.Context) error {
				m, err := e.State.loadMemory()
				if err != nil {
					return err
				}
				if m.PreviousContext[key] != old {
					return nil
				}
				return e.State.updateMemory(ctx, func(m *memory) { m.PreviousContext[key] = name })
			})
		}
		return nil
	})
}

// indexOfHolder is the index in t.order of the first file defining context name.
func indexOfHolder(t *tx, name string) int {
	for i, p := range t.order {
		if _, ok := t.docs[p].config.Contexts[name]; ok {
			return i
		}
	}
	return 0
}

// Conflict policies for Add.
const (
	ConflictRename    = "rename"
	ConflictOverwrite = "overwrite"
	ConflictSkip      = "skip"
	ConflictFail      = "fail"
)

// AddOptions are the options of Add.
type AddOptions struct {
	// Into is the file to add to; empty: where client-go writes new entries.
	Into string
	// OnConflict is rename (default), overwrite, skip or fail.
	OnConflict string
	// Embed writes the contents of certificate, key and token files into the entries.
	Embed bool
}

// Add merges the clusters, users and contexts of other kubeconfig files.
// Their relative file paths are made absolute (or the files embedded).
// A name already taken is handled by opts.OnConflict: rename picks NAME-2,
// NAME-3, ... and contexts follow their renamed cluster or user; an entry
// identical to the existing one is not duplicated.
func (e *Editor) Add(ctx context.Context, files []string, opts AddOptions) (*Result, error) {
	if opts.OnConflict == "" {
		opts.OnConflict = ConflictRename
	}
	switch opts.OnConflict {
	case ConflictRename, ConflictOverwrite, ConflictSkip, ConflictFail:
	default:
		return nil, fmt.Errorf("unknown conflict policy %q (want rename, overwrite, skip or fail)", opts.OnConflict)
	}
	var incoming []*clientcmdapi.Config
	for _, f := range files {
		cfg, err := readForAdd(f, opts.Embed)
		if err != nil {
			return nil, err
		}
		incoming = append(incoming, cfg)
	}
	var extra []string
	if opts.Into != "" {
		extra = append(extra, opts.Into)
	}
	return e.run(ctx, extra, func(t *tx) error {
		target := opts.Into
		if target == "" {
			target = t.defaultFile()
		}
		for _, f := range files {
			if sameFile(f, target) {
				return &Error{File: f, Err: ErrSameFile, Detail: "it is the file entries would be added to"}
			}
		}
		d, err := t.doc(target)
		if err != nil {
			return err
		}
		a := &adder{t: t, target: d, opts: opts, standalone: !slices.ContainsFunc(t.paths, func(p string) bool { return sameFile(p, target) })}
		for i, cfg := range incoming {
			if err := a.add(files[i], cfg); err != nil {
				return err
			}
		}
		if a.standalone {
			if err := a.completeReferences(); err != nil {
				return err
			}
		}
		if len(a.clashes) > 0 {
			return &Error{File: target, Err: ErrNameClash, Detail: "with --on-conflict=fail: " + joinList(a.clashes)}
		}
		return nil
	})
}

func joinList(s []string) string {
	out := ""
	for i, x := range s {
		if i > 0 {
			out += "; "
		}
		out += x
	}
	return out
}

// readForAdd reads a file to add, its paths made absolute or embedded.
func readForAdd(path string, embed bool) (*clientcmdapi.Config, error) {
	data, err := os.ReadFile(path)
	if err != nil {
		if os.IsNotExist(err) {
			return nil, &Error{File: path, Err: ErrMissingFile}
		}
		return nil, &Error{File: path, Err: ErrUnreadable, Detail: unwrapPathError(err)}
	}
	cfg, err := ParseFile(path, data)
	if err != nil {
		return nil, err
	}
	if len(cfg.Contexts)+len(cfg.Clusters)+len(cfg.AuthInfos) == 0 {
		return nil, &Error{File: path, Err: ErrNotKubeconfig, Detail: "it holds no cluster, user or context"}
	}
	abs, err := filepath.Abs(path)
	if err != nil {
		return nil, err
	}
	setOrigin(cfg, abs)
	if err := clientcmd.ResolveLocalPaths(cfg); err != nil {
		return nil, &Error{File: path, Err: ErrUnreadable, Detail: err.Error()}
	}
	if embed {
		if err := flatten(cfg); err != nil {
			return nil, &Error{File: path, Err: ErrUnreadable, Detail: err.Error()}
		}
	}
	return cfg, nil
}

// flatten embeds certificate, key and token files.
func flatten(cfg *clientcmdapi.Config) error {
	if err := clientcmdapi.FlattenConfig(cfg); err != nil {
		return err
	}
	for name, u := range cfg.AuthInfos {
		if u.TokenFile != "" && u.Token == "" {
			data, err := os.ReadFile(u.TokenFile)
			if err != nil {
				return fmt.Errorf("user %q: token file: %w", name, err)
			}
			u.Token = string(bytesTrimNewline(data))
			u.TokenFile = ""
		}
	}
	return nil
}

func bytesTrimNewline(b []byte) []byte {
	for len(b) > 0 && (b[len(b)-1] == '\n' || b[len(b)-1] == '\r') {
		b = b[:len(b)-1]
	}
	return b
}

type adder struct {
	t      *tx
	target *document
	// standalone is true when the target is not one of the loaded files:
	// only its own entries count, since it must work on its own.
	standalone bool
	opts       AddOptions
	clashes    []string
}

func (a *adder) add(file string, cfg *clientcmdapi.Config) error {
	renamed := map[string]map[string]string{ListClusters: {}, ListUsers: {}}
	for _, list := range []string{ListClusters, ListUsers, ListContexts} {
		for _, name := range stanzaNames(cfg, list) {
			obj := stanza(cfg, list, name)
			if list == ListContexts {
				c := obj.(*clientcmdapi.Context)
				if n, ok := renamed[ListClusters][c.Cluster]; ok {
					c.Cluster = n
				}
				if n, ok := renamed[ListUsers][c.AuthInfo]; ok {
					c.AuthInfo = n
				}
			}
			newName, err := a.one(file, list, name, obj)
			if err != nil {
				return err
			}
			if list != ListContexts && newName != name {
				renamed[list][name] = newName
			}
		}
	}
	return nil
}

// completeReferences copies into a standalone target the clusters and
// users its contexts name that only the loaded files define, with their
// relative paths made absolute, so that the target works on its own.
func (a *adder) completeReferences() error {
	a.t.remerge()
	for _, name := range stanzaNames(a.target.config, ListContexts) {
		ctx := stanza(a.target.config, ListContexts, name).(*clientcmdapi.Context)
		for list, ref := range map[string]string{ListClusters: ctx.Cluster, ListUsers: ctx.AuthInfo} {
			if ref == "" || stanza(a.target.config, list, ref) != nil {
				continue
			}
			x := stanza(a.t.merged, list, ref)
			if x == nil {
				continue
			}
			one := clientcmdapi.NewConfig()
			switch v := x.(type) {
			case *clientcmdapi.Cluster:
				one.Clusters[ref] = v.DeepCopy()
			case *clientcmdapi.AuthInfo:
				one.AuthInfos[ref] = v.DeepCopy()
			}
			if err := clientcmd.ResolveLocalPaths(one); err != nil {
				return &Error{File: origin(x), Kind: kindOf(list), Name: ref, Err: ErrUnreadable, Detail: err.Error()}
			}
			if err := a.target.addItem(list, ref, stanza(one, list, ref)); err != nil {
				return err
			}
			a.t.res.Actions = append(a.t.res.Actions, Action{Verb: "added", Kind: kindOf(list), Name: ref, File: a.target.path})
			a.t.remerge()
		}
	}
	return nil
}

// one adds one entry and returns the name it got.
func (a *adder) one(file, list, name string, obj any) (string, error) {
	t := a.t
	existing := a.existing(list, name)
	act := Action{Kind: kindOf(list), Name: name, File: a.target.path}
	switch {
	case existing == nil:
		act.Verb = "added"
	case sameStanza(list, existing, obj):
		act.Verb = "identical"
		t.res.Actions = append(t.res.Actions, act)
		return name, nil
	case a.opts.OnConflict == ConflictFail:
		a.clashes = append(a.clashes, fmt.Sprintf("%s %q from %s already exists in %s", kindOf(list), name, file, origin(existing)))
		return name, nil
	case a.opts.OnConflict == ConflictSkip:
		act.Verb, act.File = "skipped", origin(existing)
		t.res.Actions = append(t.res.Actions, act)
		return name, nil
	case a.opts.OnConflict == ConflictOverwrite:
		act.Verb, act.File = "replaced", origin(existing)
		d, err := t.doc(origin(existing))
		if err != nil {
			return "", err
		}
		if err := d.addItem(list, name, obj); err != nil {
			return "", err
		}
		t.res.Actions = append(t.res.Actions, act)
		t.remerge()
		return name, nil
	default:
		// An entry added before under NAME-n (the same file added again) is
		// identical: use it rather than add NAME-(n+1).
		n := 2
		for {
			x := a.existing(list, fmt.Sprintf("%s-%d", name, n))
			if x == nil {
				break
			}
			if sameStanza(list, x, obj) {
				act.Verb, act.To, act.File = "identical", fmt.Sprintf("%s-%d", name, n), origin(x)
				t.res.Actions = append(t.res.Actions, act)
				return act.To, nil
			}
			n++
		}
		act.Verb, act.To = "renamed", fmt.Sprintf("%s-%d", name, n)
		name = act.To
	}
	if err := a.target.addItem(list, name, obj); err != nil {
		return "", err
	}
	t.res.Actions = append(t.res.Actions, act)
	return name, nil
}

// existing finds an entry of that name in the merged files or the target.
func (a *adder) existing(list, name string) any {
	a.t.remerge()
	if x := stanza(a.t.merged, list, name); x != nil && !a.standalone {
		return x
	}
	if x := stanza(a.target.config, list, name); x != nil {
		x = copyWithOrigin(list, x, a.target.path)
		return x
	}
	return nil
}

func copyWithOrigin(list string, x any, path string) any {
	switch list {
	case ListClusters:
		c := x.(*clientcmdapi.Cluster).DeepCopy()
		c.LocationOfOrigin = path
		return c
	case ListUsers:
		u := x.(*clientcmdapi.AuthInfo).DeepCopy()
		u.LocationOfOrigin = path
		return u
	}
	c := x.(*clientcmdapi.Context).DeepCopy()
	c.LocationOfOrigin = path
	return c
}

func origin(x any) string {
	switch v := x.(type) {
	case *clientcmdapi.Cluster:
		return v.LocationOfOrigin
	case *clientcmdapi.AuthInfo:
		return v.LocationOfOrigin
	case *clientcmdapi.Context:
		return v.LocationOfOrigin
	}
	return ""
}

// sameStanza compares an existing entry (paths resolved against its file)
// with an incoming one.
func sameStanza(list string, existing, incoming any) bool {
	cfg := clientcmdapi.NewConfig()
	switch list {
	case ListClusters:
		cfg.Clusters["x"] = existing.(*clientcmdapi.Cluster).DeepCopy()
	case ListUsers:
		cfg.AuthInfos["x"] = existing.(*clientcmdapi.AuthInfo).DeepCopy()
	}
	if list != ListContexts {
		if err := clientcmd.ResolveLocalPaths(cfg); err != nil {
			return false
		}
		existing = stanza(cfg, list, "x")
	}
	a, err1 := stanzaJSON(list, existing)
	b, err2 := stanzaJSON(list, incoming)
	return err1 == nil && err2 == nil && reflect.DeepEqual(normalJSON(a), normalJSON(b))
}

func normalJSON(b []byte) any {
	var v any
	_ = jsonUnmarshal(b, &v)
	return v
}

func stanzaNames(cfg *clientcmdapi.Config, list string) []string {
	switch list {
	case ListClusters:
		return names(cfg.Clusters)
	case ListUsers:
		return names(cfg.AuthInfos)
	}
	return names(cfg.Contexts)
}

// stanza returns the entry called name of a list, or nil.
func stanza(cfg *clientcmdapi.Config, list, name string) any {
	switch list {
	case ListClusters:
		if c, ok := cfg.Clusters[name]; ok {
			return c
		}
	case ListUsers:
		if u, ok := cfg.AuthInfos[name]; ok {
			return u
		}
	case ListContexts:
		if c, ok := cfg.Contexts[name]; ok {
			return c
		}
	}
	return nil
}

// ExportOptions are the options of Export.
type ExportOptions struct {
	// File, when set, is written (mode 0600) instead of returning the data only.
	File string
}

// Export builds a standalone kubeconfig holding only the named contexts
// and the clusters and users they use, with every referenced file
// embedded; current-context is the first name. With opts.File it is also
// written there (never over one of the files it is read from).
func (e *Editor) Export(ctx context.Context, ctxNames []string, opts ExportOptions) ([]byte, *Result, error) {
	var extra []string
	if opts.File != "" {
		extra = append(extra, opts.File)
	}
	var data []byte
	res, err := e.run(ctx, extra, func(t *tx) error {
		out := clientcmdapi.NewConfig()
		for _, name := range ctxNames {
			if _, err := t.contextFile(name, "", false); err != nil {
				return err
			}
			c := t.merged.Contexts[name].DeepCopy()
			out.Contexts[name] = c
			if c.Cluster != "" {
				cl, ok := t.merged.Clusters[c.Cluster]
				if !ok {
					return &Error{File: c.LocationOfOrigin, Kind: "context", Name: name, Field: "context.cluster", Err: ErrMissingReference,
						Detail: fmt.Sprintf("cluster %q is not defined in any loaded file", c.Cluster)}
				}
				out.Clusters[c.Cluster] = cl.DeepCopy()
			}
			if c.AuthInfo != "" {
				u, ok := t.merged.AuthInfos[c.AuthInfo]
				if !ok {
					return &Error{File: c.LocationOfOrigin, Kind: "context", Name: name, Field: "context.user", Err: ErrMissingReference,
						Detail: fmt.Sprintf("user %q is not defined in any loaded file", c.AuthInfo)}
				}
				out.AuthInfos[c.AuthInfo] = u.DeepCopy()
			}
		}
		if len(ctxNames) > 0 {
			out.CurrentContext = ctxNames[0]
		}
		if err := clientcmd.ResolveLocalPaths(out); err != nil {
			return err
		}
		if err := flatten(out); err != nil {
			return fmt.Errorf("export: %w", err)
		}
		for _, list := range []string{ListClusters, ListUsers, ListContexts} {
			for _, n := range stanzaNames(out, list) {
				setStanzaOrigin(stanza(out, list, n), "")
			}
		}
		var err error
		if data, err = encodeFile(out); err != nil {
			return err
		}
		if opts.File != "" {
			for _, p := range t.order {
				if sameFile(p, opts.File) {
					return &Error{File: opts.File, Err: ErrSameFile, Detail: "it is one of the kubeconfig files read; choose another output file"}
				}
			}
			t.whole[opts.File] = data
		}
		return nil
	})
	if err != nil {
		return nil, nil, err
	}
	return data, res, nil
}

func setStanzaOrigin(x any, path string) {
	switch v := x.(type) {
	case *clientcmdapi.Cluster:
		v.LocationOfOrigin = path
	case *clientcmdapi.AuthInfo:
		v.LocationOfOrigin = path
	case *clientcmdapi.Context:
		v.LocationOfOrigin = path
	}
}

// Undo restores the files of kcfg's last write to this Source's files as
// they were before it. A file changed since by anything else is refused
// with ErrChangedSince, so that undo never loses work.
func (e *Editor) Undo(ctx context.Context) (*Result, error) {
	if e.State == nil {
		return nil, ErrNothingToUndo
	}
	entry := e.State.lastEntry(e.Source.Paths())
	if entry == nil {
		return nil, fmt.Errorf("%w: kcfg keeps no backup of a write to %s (backups live in %s)", ErrNothingToUndo, joinPaths(e.Source.Paths()), e.State.journalDir())
	}
	var paths []string
	for _, f := range entry.Files {
		paths = append(paths, f.Path)
	}
	sort.Strings(paths)
	if !e.DryRun {
		locks, err := LockFiles(ctx, paths, e.Lock)
		if err != nil {
			return nil, err
		}
		defer locks.Unlock()
	}
	res := &Result{}
	for _, f := range entry.Files {
		cur, ok, err := readIfExists(f.Path)
		if err != nil {
			return nil, err
		}
		if !ok || digest(cur) != f.After {
			return nil, &Error{File: f.Path, Err: ErrChangedSince, Detail: fmt.Sprintf("undoing %q (%s) would lose that change; the backup is in %s",
				entry.Command, entry.Time.Format("2006-01-02 15:04:05"), entry.dir)}
		}
		c := FileChange{Path: f.Path, Before: cur, Removed: !f.Existed}
		if f.Existed {
			if c.After, err = os.ReadFile(filepath.Join(entry.dir, f.Backup)); err != nil {
				return nil, fmt.Errorf("reading the backup of %s: %w", f.Path, err)
			}
		}
		res.Changes = append(res.Changes, c)
		res.Actions = append(res.Actions, Action{Verb: "restored", Kind: "file", Name: f.Path, To: entry.Command, File: f.Path})
	}
	if e.DryRun {
		return res, nil
	}
	for _, c := range res.Changes {
		var err error
		if c.Removed {
			err = os.Remove(c.Path)
		} else {
			err = WriteFileAtomic(c.Path, c.After)
		}
		if err != nil {
			return nil, err
		}
	}
	_ = os.RemoveAll(entry.dir)
	return res, nil
}
