package e2e

import (
	"fmt"
	"os"
	"os/exec"
	"path/filepath"
	"sort"
	"strings"
	"sync"
	"testing"

	"github.com/kcfg-dev/kcfg/internal/testcluster"
	"github.com/kcfg-dev/kcfg/pkg/kubeconfig"
)

// buildKcfg builds the kcfg binary into a temporary folder.
func buildKcfg(t *testing.T) string {
	t.Helper()
	bin := filepath.Join(t.TempDir(), "kcfg")
	cmd := exec.Command("go", "build", "-o", bin, "./cmd/kcfg")
	cmd.Dir = testcluster.RepoRoot(t)
	if out, err := cmd.CombinedOutput(); err != nil {
		t.Fatalf("go build: %v\n%s", err, out)
	}
	return bin
}

// TestConcurrentSwitches runs 20 kcfg use and 20 kubectl config
// use-context at once on one file: it must stay whole.
func TestConcurrentSwitches(t *testing.T) {
	kubectl := testcluster.Kubectl(t)
	kcfg := buildKcfg(t)
	dir := t.TempDir()
	cfgPath := filepath.Join(dir, "config")
	var b strings.Builder
	b.WriteString("# shared by many writers\napiVersion: v1\nkind: Config\nclusters:\n")
	const n = 10
	for i := range n {
		fmt.Fprintf(&b, "- name: c%d\n  cluster:\n    server: https://127.0.0.1:%d\n", i, 1000+i)
	}
	b.WriteString("users:\n")
	for i := range n {
		fmt.Fprintf(&b, "- name: u%d\n  user:\n    token: t%d\n", i, i)
	}
	b.WriteString("contexts:\n")
	for i := range n {
		fmt.Fprintf(&b, "- name: ctx%d\n  context:\n    cluster: c%d\n    user: u%d\n", i, i, i)
	}
	b.WriteString("current-context: ctx0\n")
	if err := os.WriteFile(cfgPath, []byte(b.String()), 0o600); err != nil {
		t.Fatal(err)
	}

	env := []string{"HOME=" + dir, "XDG_STATE_HOME=" + filepath.Join(dir, "state"), "KUBECONFIG=" + cfgPath, "PATH=/usr/bin:/bin"}
	var wg sync.WaitGroup
	var mu sync.Mutex
	var kcfgOK, kubectlOK int
	var kcfgErrs []string
	for i := range 40 {
		wg.Add(1)
		go func() {
			defer wg.Done()
			name := fmt.Sprintf("ctx%d", i%n)
			var cmd *exec.Cmd
			if i%2 == 0 {
				cmd = exec.Command(kcfg, "use", name)
			} else {
				cmd = exec.Command(kubectl, "config", "use-context", name)
			}
			cmd.Env = env
			out, err := cmd.CombinedOutput()
			mu.Lock()
			defer mu.Unlock()
			switch {
			case err == nil && i%2 == 0:
				kcfgOK++
			case err == nil:
				kubectlOK++
			case i%2 == 0:
				kcfgErrs = append(kcfgErrs, string(out))
			}
		}()
	}
	wg.Wait()
	t.Logf("succeeded: kcfg %d/20, kubectl %d/20 (kubectl gives up at once when the lock is held)", kcfgOK, kubectlOK)
	if len(kcfgErrs) > 0 {
		t.Errorf("kcfg failures: %v", kcfgErrs)
	}

	data, err := os.ReadFile(cfgPath)
	if err != nil {
		t.Fatal(err)
	}
	cfg, err := kubeconfig.ParseFile(cfgPath, data)
	if err != nil {
		t.Fatalf("file does not parse after concurrent writes: %v", err)
	}
	if len(cfg.Clusters) != n || len(cfg.AuthInfos) != n || len(cfg.Contexts) != n {
		t.Errorf("stanzas lost: %d clusters, %d users, %d contexts", len(cfg.Clusters), len(cfg.AuthInfos), len(cfg.Contexts))
	}
	for i := range n {
		c := cfg.Contexts[fmt.Sprintf("ctx%d", i)]
		if c == nil || c.Cluster != fmt.Sprintf("c%d", i) || cfg.Clusters[fmt.Sprintf("c%d", i)] == nil {
			t.Errorf("ctx%d damaged: %+v", i, c)
		}
	}
	if !strings.HasPrefix(cfg.CurrentContext, "ctx") || cfg.Contexts[cfg.CurrentContext] == nil {
		t.Errorf("current-context %q is not one of those requested", cfg.CurrentContext)
	}
	entries, _ := os.ReadDir(dir)
	var names []string
	for _, e := range entries {
		names = append(names, e.Name())
	}
	sort.Strings(names)
	if strings.Join(names, " ") != "config state" {
		t.Errorf("left in the folder: %v", names)
	}
}
