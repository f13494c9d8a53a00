package testcluster

import (
	"fmt"
	"os"
	"path/filepath"

	"sigs.k8s.io/controller-runtime/pkg/envtest"
)

// StartMain is Start for a TestMain, where there is no testing.TB yet: a
// package's tests (and its Example tests) can then share one control plane.
// The caller stops it with Stop. Binaries are found as BinDir finds them;
// a missing one is an error, never a skip.
func StartMain(opts Options) (*Cluster, error) {
	dir := os.Getenv("KUBEBUILDER_ASSETS")
	if dir == "" {
		wd, err := os.Getwd()
		if err != nil {
			return nil, err
		}
		for dir = ""; ; wd = filepath.Dir(wd) {
			if _, err := os.Stat(filepath.Join(wd, "hack", "controlplane")); err == nil {
				dir = filepath.Join(wd, "bin")
				break
			}
			if filepath.Dir(wd) == wd {
				return nil, fmt.Errorf("testcluster: repository root not found above the working directory")
			}
		}
	}
	for _, name := range []string{"etcd", "kube-apiserver", "kubectl"} {
		if _, err := os.Stat(filepath.Join(dir, name)); err != nil {
			return nil, fmt.Errorf("testcluster: %s not found in %s: build the test control plane with `make controlplane` (or set KUBEBUILDER_ASSETS)", name, dir)
		}
	}
	env := &envtest.Environment{
		BinaryAssetsDirectory: dir,
		CRDDirectoryPaths:     opts.CRDDirectoryPaths,
		ErrorIfCRDPathMissing: len(opts.CRDDirectoryPaths) > 0,
	}
	cfg, err := env.Start()
	if err != nil {
		return nil, fmt.Errorf("testcluster: starting control plane: %w", err)
	}
	return &Cluster{Env: env, Config: cfg}, nil
}

// Stop stops a cluster started by StartMain.
func (c *Cluster) Stop() error { return c.Env.Stop() }
