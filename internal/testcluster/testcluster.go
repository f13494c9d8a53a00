// Package testcluster starts real kube-apiserver and etcd processes for tests,
// through controller-runtime's envtest, from the binaries that
// hack/controlplane builds into bin/. It also finds the kubectl built there,
// the oracle of the differential tests.
package testcluster

import (
	"encoding/csv"
	"fmt"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"k8s.io/client-go/rest"
	"sigs.k8s.io/controller-runtime/pkg/envtest"
)

// RepoRoot returns the repository's root directory (the one holding go.mod).
func RepoRoot(t testing.TB) string {
	t.Helper()
	dir, err := os.Getwd()
	if err != nil {
		t.Fatal(err)
	}
	for {
		if _, err := os.Stat(filepath.Join(dir, "go.mod")); err == nil {
			if _, err := os.Stat(filepath.Join(dir, "hack", "controlplane")); err == nil {
				return dir
			}
		}
		parent := filepath.Dir(dir)
		if parent == dir {
			t.Fatal("testcluster: repository root not found above the working directory")
		}
		dir = parent
	}
}

// BinDir returns the directory holding etcd, kube-apiserver and kubectl:
// KUBEBUILDER_ASSETS when set, else bin/ at the repository root. A missing
// binary fails the test (it never skips) with how to build it.
func BinDir(t testing.TB) string {
	t.Helper()
	dir := os.Getenv("KUBEBUILDER_ASSETS")
	if dir == "" {
		dir = filepath.Join(RepoRoot(t), "bin")
	}
	if err := CheckBinaries(dir); err != nil {
		t.Fatal(err)
	}
	return dir
}

// CheckBinaries returns an error saying how to build them when etcd,
// kube-apiserver or kubectl is missing from dir.
func CheckBinaries(dir string) error {
	for _, name := range []string{"etcd", "kube-apiserver", "kubectl"} {
		if _, err := os.Stat(filepath.Join(dir, name)); err != nil {
			return fmt.Errorf("testcluster: %s not found in %s: build the test control plane with `make controlplane` (or point KUBEBUILDER_ASSETS at a folder holding etcd, kube-apiserver and kubectl)", name, dir)
		}
	}
	return nil
}

// Kubectl returns the path of the kubectl built by hack/controlplane.
func Kubectl(t testing.TB) string {
	t.Helper()
	return filepath.Join(BinDir(t), "kubectl")
}

// Cluster is one running control plane.
type Cluster struct {
	Env *envtest.Environment
	// Config is an admin (system:masters) client config for it.
	Config *rest.Config
}

// Options tune Start.
type Options struct {
	// CRDDirectoryPaths are installed once the API server is up.
	CRDDirectoryPaths []string
	// Tokens are static bearer tokens the API server accepts, through its
	// token-auth-file.
	Tokens []Token
}

// Token is a static bearer token and the user it authenticates.
type Token struct {
	Token, User, UID string
	Groups           []string
}

// Start starts a kube-apiserver and etcd on 127.0.0.1 and stops them when
// the test ends.
func Start(t testing.TB, opts Options) *Cluster {
	t.Helper()
	env := &envtest.Environment{
		BinaryAssetsDirectory: BinDir(t),
		CRDDirectoryPaths:     opts.CRDDirectoryPaths,
		ErrorIfCRDPathMissing: len(opts.CRDDirectoryPaths) > 0,
	}
	if len(opts.Tokens) > 0 {
		env.ControlPlane.APIServer = &envtest.APIServer{}
		env.ControlPlane.APIServer.Configure().Append("token-auth-file", writeTokenFile(t, opts.Tokens))
	}
	cfg, err := env.Start()
	if err != nil {
		t.Fatalf("testcluster: starting control plane: %v", err)
	}
	t.Cleanup(func() {
		if err := env.Stop(); err != nil {
			t.Errorf("testcluster: stopping control plane: %v", err)
		}
	})
	return &Cluster{Env: env, Config: cfg}
}

// AddUser creates a user authenticated by client certificate, in groups,
// and returns a client config for it.
func (c *Cluster) AddUser(t testing.TB, name string, groups ...string) *rest.Config {
	t.Helper()
	u, err := c.Env.AddUser(envtest.User{Name: name, Groups: groups}, nil)
	if err != nil {
		t.Fatalf("testcluster: adding user %s: %v", name, err)
	}
	return u.Config()
}

// String names the cluster by its server address.
func (c *Cluster) String() string { return fmt.Sprintf("apiserver %s", c.Config.Host) }

// writeTokenFile writes tokens in kube-apiserver's token-auth-file format
// (token,user,uid,"group1,group2") into a temporary folder.
func writeTokenFile(t testing.TB, tokens []Token) string {
	t.Helper()
	var b strings.Builder
	w := csv.NewWriter(&b)
	for _, tok := range tokens {
		uid := tok.UID
		if uid == "" {
			uid = tok.User
		}
		if err := w.Write([]string{tok.Token, tok.User, uid, strings.Join(tok.Groups, ",")}); err != nil {
			t.Fatal(err)
		}
	}
	w.Flush()
	path := filepath.Join(t.TempDir(), "tokens.csv")
	if err := os.WriteFile(path, []byte(b.String()), 0o600); err != nil {
		t.Fatal(err)
	}
	return path
}
