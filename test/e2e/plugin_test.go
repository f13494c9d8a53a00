package e2e

import (
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"testing"

	"github.com/kcfg-dev/kcfg/internal/testcluster"
)

// TestKubectlPlugin builds kcfg as kubectl-kcfg and runs it through kubectl.
func TestKubectlPlugin(t *testing.T) {
	root := testcluster.RepoRoot(t)
	dir := t.TempDir()
	build := exec.CommandContext(t.Context(), "go", "build", "-o", filepath.Join(dir, "kubectl-kcfg"), "./cmd/kcfg")
	build.Dir = root
	if out, err := build.CombinedOutput(); err != nil {
		t.Fatalf("go build: %v\n%s", err, out)
	}
	env := map[string]string{"PATH": dir + string(os.PathListSeparator) + os.Getenv("PATH"), "HOME": t.TempDir(),
		"KUBECONFIG": filepath.Join(root, "testdata/seed-kubeconfig.yaml")}
	r := runKubectl(t, env, "kcfg", "list", "-o", "name")
	if r.code != 0 || r.out != "kubernetes-admin@forest\n" {
		t.Errorf("kubectl kcfg list -o name: exit %d, out %q, err %q", r.code, r.out, r.errOut)
	}
	r = runKubectl(t, env, "kcfg", "--help")
	if r.code != 0 || !strings.Contains(r.out, "kubectl kcfg [command]") {
		t.Errorf("kubectl kcfg --help: exit %d, out %q", r.code, r.out)
	}
	r = runKubectl(t, env, "kcfg", "nosuchverb")
	if r.code != 2 || !strings.Contains(r.errOut, "Run 'kubectl kcfg --help'") {
		t.Errorf("kubectl kcfg nosuchverb: exit %d, err %q", r.code, r.errOut)
	}
}
