package kubeconfig

import (
	"path/filepath"
)

// Source says where kubeconfig files are read from, following kubectl: an
// explicit path (--kubeconfig) wins; else the KUBECONFIG list; else
// ~/.kube/config. The environment is passed in, never read from the process.
type Source struct {
	// ExplicitPath is the --kubeconfig flag: one file, which must exist.
	ExplicitPath string
	// EnvPath is the value of KUBECONFIG: a list split on the platform's
	// path-list separator (':' here, ';' on Windows).
	EnvPath string
	// Home is the user's home directory, for ~/.kube/config.
	Home string
}

// SourceFromEnv builds a Source from a --kubeconfig value and an environment
// lookup function such as os.Getenv.
func SourceFromEnv(explicit string, getenv func(string) string) Source {
	home := getenv("HOME")
	if home == "" {
		home = getenv("USERPROFILE")
	}
	return Source{ExplicitPath: explicit, EnvPath: getenv("KUBECONFIG"), Home: home}
}

// Explicit reports whether the files come from --kubeconfig.
func (s Source) Explicit() bool { return s.ExplicitPath != "" }

// Paths is the precedence list of files, in the order clientcmd reads them:
// empty KUBECONFIG entries are dropped and duplicates are kept once (the
// first time they appear). Files in the list need not exist.
func (s Source) Paths() []string {
	if s.ExplicitPath != "" {
		return []string{s.ExplicitPath}
	}
	if s.EnvPath != "" {
		seen := map[string]bool{}
		var out []string
		for _, p := range filepath.SplitList(s.EnvPath) {
			if p == "" || seen[p] {
				continue
			}
			seen[p] = true
			out = append(out, p)
		}
		return out
	}
	return []string{s.DefaultPath()}
}

// DefaultPath is ~/.kube/config under Home.
func (s Source) DefaultPath() string {
	return filepath.Join(s.Home, ".kube", "config")
}
