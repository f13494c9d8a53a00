package kubeconfig

import (
	"errors"
	"fmt"
	"io/fs"
	"maps"
	"os"
	"slices"

	"k8s.io/client-go/tools/clientcmd"
	clientcmdapi "k8s.io/client-go/tools/clientcmd/api"
)

// Config is the merged view of a set of kubeconfig files, as kubectl sees it.
type Config struct {
	// Merged is clientcmd's merge of every file: the first file to define a
	// name wins, current-context comes from the first file that sets it,
	// relative paths are resolved against the file that holds them, and every
	// stanza's LocationOfOrigin names its file.
	Merged *clientcmdapi.Config
	// Unresolved is the same merge with paths left as written, which is what
	// kubectl config view shows.
	Unresolved *clientcmdapi.Config
	// Files are the files that were read, in precedence order; files in
	// KUBECONFIG that do not exist are left out, as kubectl does.
	Files []string
	// Source is where the files came from.
	Source Source
}

// Load reads and merges the files of src with clientcmd's loading rules.
// Before merging, every file is checked on its own, so that bad input gives
// one *Error naming the file, and where known the line, entry and field.
func Load(src Source) (*Config, error) {
	var files []string
	for _, p := range src.Paths() {
		if err := checkFile(p, src.Explicit()); err != nil {
			if errors.Is(err, fs.ErrNotExist) {
				continue
			}
			return nil, err
		}
		files = append(files, p)
	}
	rules := &clientcmd.ClientConfigLoadingRules{Precedence: files, DoNotResolvePaths: true}
	if src.Explicit() {
		rules = &clientcmd.ClientConfigLoadingRules{ExplicitPath: src.ExplicitPath, DoNotResolvePaths: true}
	}
	unresolved, err := rules.Load()
	if err != nil {
		return nil, fmt.Errorf("loading kubeconfig: %w", err)
	}
	merged := unresolved.DeepCopy()
	if err := clientcmd.ResolveLocalPaths(merged); err != nil {
		return nil, fmt.Errorf("resolving paths: %w", err)
	}
	return &Config{Merged: merged, Unresolved: unresolved, Files: files, Source: src}, nil
}

// checkFile reads one file and checks that clientcmd can load it. A file
// that does not exist yields an error wrapping fs.ErrNotExist, or, when
// required, an *Error wrapping ErrMissingFile.
func checkFile(path string, required bool) error {
	data, err := os.ReadFile(path)
	switch {
	case errors.Is(err, fs.ErrNotExist) && required:
		return &Error{File: path, Err: ErrMissingFile}
	case errors.Is(err, fs.ErrNotExist):
		return err
	case err != nil:
		return &Error{File: path, Err: ErrUnreadable, Detail: unwrapPathError(err)}
	}
	_, err = ParseFile(path, data)
	return err
}

// ParseFile decodes one kubeconfig file's bytes with clientcmd, without
// resolving paths. Bad input yields an *Error; an empty file is an empty config.
func ParseFile(path string, data []byte) (*clientcmdapi.Config, error) {
	cfg, err := clientcmd.Load(data)
	if err != nil {
		return nil, diagnose(path, data, err)
	}
	return cfg, nil
}

func unwrapPathError(err error) string {
	var pe *fs.PathError
	if errors.As(err, &pe) {
		return pe.Err.Error()
	}
	return err.Error()
}

// Validate reports every context that names a cluster or user that no
// file defines, as *Error values joined into one error.
func (c *Config) Validate() error {
	var errs []error
	for _, name := range sortedKeys(c.Merged.Contexts) {
		ctx := c.Merged.Contexts[name]
		if ctx.Cluster != "" {
			if _, ok := c.Merged.Clusters[ctx.Cluster]; !ok {
				errs = append(errs, c.missing(name, ctx, "cluster", ctx.Cluster))
			}
		}
		if ctx.AuthInfo != "" {
			if _, ok := c.Merged.AuthInfos[ctx.AuthInfo]; !ok {
				errs = append(errs, c.missing(name, ctx, "user", ctx.AuthInfo))
			}
		}
	}
	return errors.Join(errs...)
}

func (c *Config) missing(name string, ctx *clientcmdapi.Context, kind, ref string) error {
	e := &Error{File: ctx.LocationOfOrigin, Kind: "context", Name: name, Field: "context." + kind,
		Err: ErrMissingReference, Detail: fmt.Sprintf("%s %q is not defined in any loaded file", kind, ref)}
	e.Line = locate(ctx.LocationOfOrigin, "contexts", name, "context", kind)
	return e
}

// Context returns the named context, or an error wrapping ErrContextNotFound.
func (c *Config) Context(name string) (*clientcmdapi.Context, error) {
	ctx, ok := c.Merged.Contexts[name]
	if !ok {
		return nil, fmt.Errorf("context %q in %s: %w", name, c.describeFiles(), ErrContextNotFound)
	}
	return ctx, nil
}

// CurrentContext returns the name of the current context, or an error
// wrapping ErrNoCurrentContext that names the files and the contexts there are.
func (c *Config) CurrentContext() (string, error) {
	if c.Merged.CurrentContext == "" {
		names := sortedKeys(c.Merged.Contexts)
		detail := "no context is defined"
		if len(names) > 0 {
			detail = fmt.Sprintf("contexts defined: %s; choose one with: kcfg use NAME", quoteList(names))
		}
		return "", &Error{File: c.describeFiles(), Field: "current-context", Err: ErrNoCurrentContext, Detail: detail}
	}
	return c.Merged.CurrentContext, nil
}

func (c *Config) describeFiles() string {
	switch len(c.Files) {
	case 0:
		if len(c.Source.Paths()) == 1 {
			return c.Source.Paths()[0]
		}
		return "KUBECONFIG (no file exists)"
	case 1:
		return c.Files[0]
	}
	s := c.Files[0]
	for _, f := range c.Files[1:] {
		s += string(os.PathListSeparator) + f
	}
	return s
}

func quoteList(names []string) string {
	s := ""
	for i, n := range names {
		if i > 0 {
			s += ", "
		}
		s += fmt.Sprintf("%q", n)
	}
	return s
}

func sortedKeys[V any](m map[string]V) []string { return slices.Sorted(maps.Keys(m)) }
