package kubeconfig

import (
	"encoding/base64"
	"errors"
	"fmt"
	"io/fs"
	"os"

	yaml "go.yaml.in/yaml/v3"
	"k8s.io/client-go/tools/clientcmd"
	clientcmdapi "k8s.io/client-go/tools/clientcmd/api"
)

// ErrDuplicateName: one file defines a cluster, user or context name twice.
// clientcmd, and so kubectl, refuses such a file.
var ErrDuplicateName = errors.New("duplicate name")

// File is one kubeconfig file read on its own and leniently, for checks that
// want every problem rather than the first one. Where Load stops at the first
// bad file, ReadFile records what is wrong in Problems and still decodes as
// much of the file as it can.
type File struct {
	// Path is the file's path as given.
	Path string
	// Mode is the file's permission bits, symlinks followed; zero when the
	// file cannot be read.
	Mode fs.FileMode
	// Config is the file as clientcmd decodes it, with LocationOfOrigin set
	// on every entry and relative paths resolved against the file's folder,
	// as Load does. Fields whose base64 does not decode and second
	// definitions of a name are left out. Config is nil when the file could
	// not be decoded at all.
	Config *clientcmdapi.Config
	// Raw is Config before path resolution: paths as the file writes them.
	Raw *clientcmdapi.Config
	// Problems are what is wrong with the file itself: missing, unreadable,
	// not YAML, not a kubeconfig, invalid base64 in a field, duplicate names.
	Problems []*Error

	root *yaml.Node
}

// ReadFiles reads each path with ReadFile, once: a path given twice is read
// the first time only. A path that does not exist is left out unless
// required (as Load does with KUBECONFIG entries), in which case its File
// carries an ErrMissingFile problem.
func ReadFiles(paths []string, required bool) []*File {
	var out []*File
	seen := map[string]bool{}
	for _, p := range paths {
		if seen[p] || (!required && !exists(p)) {
			continue
		}
		seen[p] = true
		out = append(out, ReadFile(p))
	}
	return out
}

// ReadSource reads the files of src as Load would find them.
func ReadSource(src Source) []*File {
	return ReadFiles(src.Paths(), src.Explicit())
}

// ReadFile reads and decodes one kubeconfig file leniently. It never fails:
// what is wrong is in the returned File's Problems.
func ReadFile(path string) *File {
	f := &File{Path: path}
	data, err := os.ReadFile(path)
	switch {
	case errors.Is(err, fs.ErrNotExist):
		f.Problems = []*Error{{File: path, Err: ErrMissingFile}}
		return f
	case err != nil:
		f.Problems = []*Error{{File: path, Err: ErrUnreadable, Detail: unwrapPathError(err)}}
		return f
	}
	if info, err := os.Stat(path); err == nil {
		f.Mode = info.Mode().Perm()
	}
	f.parse(data)
	return f
}

func (f *File) parse(data []byte) {
	var doc yaml.Node
	if yaml.Unmarshal(data, &doc) == nil && len(doc.Content) > 0 && doc.Content[0].Kind == yaml.MappingNode {
		f.root = doc.Content[0]
	}
	cfg, err := clientcmd.Load(data)
	if err != nil {
		if f.root == nil {
			f.Problems = append(f.Problems, diagnose(f.Path, data, err))
			return
		}
		// Take the bad fields and duplicate entries out of a second copy of
		// the tree, and decode what is left.
		var fixed yaml.Node
		_ = yaml.Unmarshal(data, &fixed)
		problems := repair(f.Path, fixed.Content[0])
		if len(problems) == 0 {
			f.Problems = append(f.Problems, diagnose(f.Path, data, err))
			return
		}
		f.Problems = append(f.Problems, problems...)
		text, merr := yaml.Marshal(&fixed)
		if merr != nil {
			f.Problems = append(f.Problems, &Error{File: f.Path, Err: ErrNotKubeconfig, Detail: merr.Error()})
			return
		}
		if cfg, err = clientcmd.Load(text); err != nil {
			e := diagnose(f.Path, text, err)
			e.Line = 0 // the line is one of the rewritten text, not of the file
			f.Problems = append(f.Problems, e)
			return
		}
	}
	setOrigin(cfg, f.Path)
	f.Raw = cfg
	f.Config = cfg.DeepCopy()
	if err := clientcmd.ResolveLocalPaths(f.Config); err != nil {
		f.Problems = append(f.Problems, &Error{File: f.Path, Err: ErrUnreadable, Detail: err.Error()})
	}
}

// repair removes from root every *-data field that is not base64 and every
// second definition of a name in a list, and returns one *Error for each.
func repair(file string, root *yaml.Node) []*Error {
	var problems []*Error
	for _, s := range stanzaFields {
		_, list := mapGet(root, s.list)
		if list == nil || list.Kind != yaml.SequenceNode {
			continue
		}
		seen := map[string]int{}
		kept := make([]*yaml.Node, 0, len(list.Content))
		for _, item := range list.Content {
			name := ""
			if _, n := mapGet(item, "name"); n != nil {
				name = n.Value
			}
			if first, dup := seen[name]; dup {
				problems = append(problems, &Error{File: file, Line: item.Line, Kind: s.kind, Name: name,
					Err: ErrDuplicateName, Detail: fmt.Sprintf("%s %q is already defined on line %d", s.kind, name, first)})
				continue
			}
			seen[name] = item.Line
			_, body := mapGet(item, s.item)
			for _, field := range s.data {
				k, v := mapGet(body, field)
				if v == nil || v.Kind != yaml.ScalarNode {
					continue
				}
				if _, err := base64.StdEncoding.DecodeString(v.Value); err != nil {
					problems = append(problems, &Error{File: file, Line: k.Line, Kind: s.kind, Name: name,
						Field: s.item + "." + field, Err: ErrInvalidBase64, Detail: err.Error()})
					mapDelete(body, field)
				}
			}
			kept = append(kept, item)
		}
		list.Content = kept
	}
	return problems
}

// mapDelete removes key and its value from a mapping node.
func mapDelete(m *yaml.Node, key string) {
	for i := 0; i+1 < len(m.Content); i += 2 {
		if m.Content[i].Value == key {
			m.Content = append(m.Content[:i], m.Content[i+2:]...)
			return
		}
	}
}

// setOrigin does what clientcmd.LoadFromFile does after decoding: every
// entry remembers its file, and the maps are never nil.
func setOrigin(cfg *clientcmdapi.Config, path string) {
	if cfg.Clusters == nil {
		cfg.Clusters = map[string]*clientcmdapi.Cluster{}
	}
	if cfg.AuthInfos == nil {
		cfg.AuthInfos = map[string]*clientcmdapi.AuthInfo{}
	}
	if cfg.Contexts == nil {
		cfg.Contexts = map[string]*clientcmdapi.Context{}
	}
	for _, c := range cfg.Clusters {
		c.LocationOfOrigin = path
	}
	for _, u := range cfg.AuthInfos {
		u.LocationOfOrigin = path
	}
	for _, c := range cfg.Contexts {
		c.LocationOfOrigin = path
	}
}

// Entry kinds, as used by File.Line and in Error.Kind.
const (
	KindCluster = "cluster"
	KindUser    = "user"
	KindContext = "context"
)

// Line returns the line of field inside the entry called name of kind
// (KindCluster, KindUser or KindContext): Line(KindUser, "admin",
// "client-key-data") is the line of users[admin].user.client-key-data.
// Without field, or when the field is absent, it is the entry's own line;
// 0 when the entry is not in the file or the file is not YAML.
func (f *File) Line(kind, name string, field ...string) int {
	list, item := stanzaKeys(kind)
	if f.root == nil || list == "" {
		return 0
	}
	if len(field) == 0 {
		return locateNode(f.root, list, name)
	}
	return locateNode(f.root, list, name, append([]string{item}, field...)...)
}

// Has reports whether the file writes field inside the entry called name of
// kind, even when decoding gives it a default value.
func (f *File) Has(kind, name string, field ...string) bool {
	list, item := stanzaKeys(kind)
	if f.root == nil || list == "" {
		return false
	}
	_, items := mapGet(f.root, list)
	if items == nil {
		return false
	}
	for _, it := range items.Content {
		if _, n := mapGet(it, "name"); n == nil || n.Value != name {
			continue
		}
		node := it
		for _, key := range append([]string{item}, field...) {
			if _, node = mapGet(node, key); node == nil {
				return false
			}
		}
		return true
	}
	return false
}

// KeyLine returns the line of a top-level key such as current-context, or 0.
func (f *File) KeyLine(key string) int {
	if k, _ := mapGet(f.root, key); k != nil {
		return k.Line
	}
	return 0
}

func stanzaKeys(kind string) (list, item string) {
	for _, s := range stanzaFields {
		if s.kind == kind {
			return s.list, s.item
		}
	}
	return "", ""
}

// Merge merges decoded files as clientcmd's loading rules do: for clusters,
// users and contexts the first file to define a name wins, and
// current-context comes from the first file that sets it. Files that could
// not be decoded are skipped. Paths are resolved, as in File.Config.
func Merge(files []*File) *clientcmdapi.Config {
	out := clientcmdapi.NewConfig()
	for _, f := range files {
		if f.Config == nil {
			continue
		}
		if out.CurrentContext == "" {
			out.CurrentContext = f.Config.CurrentContext
		}
		for name, c := range f.Config.Clusters {
			if _, ok := out.Clusters[name]; !ok {
				out.Clusters[name] = c
			}
		}
		for name, u := range f.Config.AuthInfos {
			if _, ok := out.AuthInfos[name]; !ok {
				out.AuthInfos[name] = u
			}
		}
		for name, c := range f.Config.Contexts {
			if _, ok := out.Contexts[name]; !ok {
				out.Contexts[name] = c
			}
		}
	}
	return out
}

// IsSecretName reports whether an auth-provider config key or an
// environment variable name looks like it holds a secret (a token, secret,
// password, key or credential), as Redact judges it.
func IsSecretName(name string) bool { return isSecretKey(name) }

// exists reports whether path names an existing file system entry.
func exists(path string) bool {
	_, err := os.Stat(path)
	return err == nil
}
