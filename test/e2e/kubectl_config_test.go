package e2e

import (
	"bytes"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"k8s.io/client-go/tools/clientcmd"

	"github.com/kcfg-dev/kcfg/internal/testcert"
	"github.com/kcfg-dev/kcfg/internal/testcluster"
	"github.com/kcfg-dev/kcfg/pkg/kubeconfig"
)

// runKubectl runs the kubectl built by hack/controlplane with env as its
// whole environment.
func runKubectl(t *testing.T, env map[string]string, args ...string) runResult {
	t.Helper()
	cmd := exec.CommandContext(t.Context(), testcluster.Kubectl(t), args...)
	for k, v := range env {
		cmd.Env = append(cmd.Env, k+"="+v)
	}
	var out, errOut bytes.Buffer
	cmd.Stdout, cmd.Stderr = &out, &errOut
	err := cmd.Run()
	code := 0
	if ee, ok := err.(*exec.ExitError); ok {
		code = ee.ExitCode()
	} else if err != nil {
		t.Fatalf("running kubectl: %v", err)
	}
	return runResult{code: code, out: out.String(), errOut: errOut.String()}
}

// loadingFixtures copies testdata/load to a temporary folder, with the
// certificates of the relative-path fixture generated, and returns the
// fixture sets: each a KUBECONFIG value (or an explicit --kubeconfig).
func loadingFixtures(t *testing.T) map[string]map[string]string {
	root := testcluster.RepoRoot(t)
	dir := t.TempDir()
	if err := os.CopyFS(dir, os.DirFS(filepath.Join(root, "testdata/load"))); err != nil {
		t.Fatal(err)
	}
	now := time.Now()
	ca := testcert.NewCA(t, "rel-ca", now.Add(-time.Hour), now.Add(24*time.Hour))
	client := ca.Issue(t, testcert.Options{CommonName: "rel-user", Organization: []string{"devs"}, NotBefore: now.Add(-time.Hour), NotAfter: now.Add(time.Hour)})
	for name, data := range map[string][]byte{"ca.crt": ca.PEM, "client.crt": client.PEM, "client.key": client.Key.PEM} {
		if err := os.WriteFile(filepath.Join(dir, "rel/certs", name), data, 0o600); err != nil {
			t.Fatal(err)
		}
	}
	home := t.TempDir()
	p := func(names ...string) string {
		var out []string
		for _, n := range names {
			out = append(out, filepath.Join(dir, n))
		}
		return strings.Join(out, string(os.PathListSeparator))
	}
	examples := filepath.Join(root, "examples/multi")
	return map[string]map[string]string{
		"seed":                   {"HOME": home, "KUBECONFIG": filepath.Join(root, "testdata/seed-kubeconfig.yaml")},
		"clash":                  {"HOME": home, "KUBECONFIG": p("clash/a.yaml", "clash/b.yaml")},
		"current-in-second-file": {"HOME": home, "KUBECONFIG": p("clash/a.yaml", "clash/c.yaml", "clash/b.yaml")},
		"relative-paths":         {"HOME": home, "KUBECONFIG": p("rel/config.yaml")},
		"empty-file-in-list":     {"HOME": home, "KUBECONFIG": p("clash/a.yaml", "empty/empty.yaml", "clash/b.yaml")},
		"missing-file-in-list":   {"HOME": home, "KUBECONFIG": p("clash/missing.yaml", "clash/b.yaml", "clash/a.yaml")},
		"duplicate-and-empty":    {"HOME": home, "KUBECONFIG": ":" + p("clash/b.yaml") + "::" + p("clash/b.yaml", "clash/a.yaml")},
		"json":                   {"HOME": home, "KUBECONFIG": p("json/config.json", "rel/config.yaml")},
		"examples":               {"HOME": home, "KUBECONFIG": filepath.Join(examples, "dev.yaml") + ":" + filepath.Join(examples, "prod.yaml")},
		"home-default":           {"HOME": filepath.Join(dir, "rel/..", "homedir")},
	}
}

// TestViewMatchesKubectl runs kcfg view and kubectl config view with every
// combination of --minify, --flatten and --raw on each fixture set: the
// parsed results are the same (without --raw, after applying kcfg's fuller
// redaction to kubectl's output too), and both fail together.
func TestViewMatchesKubectl(t *testing.T) {
	sets := loadingFixtures(t)
	// The default ~/.kube/config case: a home holding the examples.
	home := sets["home-default"]["HOME"]
	if err := os.MkdirAll(filepath.Join(home, ".kube"), 0o700); err != nil {
		t.Fatal(err)
	}
	data, err := os.ReadFile(filepath.Join(testcluster.RepoRoot(t), "testdata/load/clash/b.yaml"))
	if err != nil {
		t.Fatal(err)
	}
	if err := os.WriteFile(filepath.Join(home, ".kube/config"), data, 0o600); err != nil {
		t.Fatal(err)
	}
	var flagSets [][]string
	for _, minify := range []bool{false, true} {
		for _, flatten := range []bool{false, true} {
			for _, raw := range []bool{false, true} {
				var f []string
				if minify {
					f = append(f, "--minify")
				}
				if flatten {
					f = append(f, "--flatten")
				}
				if raw {
					f = append(f, "--raw")
				}
				flagSets = append(flagSets, f)
			}
		}
	}
	flagSets = append(flagSets, []string{"--minify", "--context", "shared"}, []string{"--minify", "--flatten", "--raw", "--context", "rel-token"})
	compared := 0
	for name, env := range sets {
		for _, flags := range flagSets {
			t.Run(name+"/"+strings.Join(flags, ""), func(t *testing.T) {
				args := append([]string{"view", "-o", "json"}, flags...)
				got := runKcfgEnv(t, env, args...)
				want := runKubectl(t, env, append([]string{"config"}, args...)...)
				if (got.code == 0) != (want.code == 0) {
					t.Fatalf("kcfg exit %d (%s), kubectl exit %d (%s)", got.code, got.errOut, want.code, want.errOut)
				}
				if got.code != 0 {
					return
				}
				raw := strings.Contains(strings.Join(flags, " "), "--raw")
				gotCfg, err := clientcmd.Load([]byte(got.out))
				if err != nil {
					t.Fatalf("kcfg output does not parse: %v\n%s", err, got.out)
				}
				wantCfg, err := clientcmd.Load([]byte(want.out))
				if err != nil {
					t.Fatalf("kubectl output does not parse: %v\n%s", err, want.out)
				}
				if !raw {
					kubeconfig.Redact(wantCfg)
				}
				g, _ := kubeconfig.Encode(gotCfg, "yaml")
				w, _ := kubeconfig.Encode(wantCfg, "yaml")
				if string(g) != string(w) {
					t.Errorf("kcfg view %v differs from kubectl config view:\n--- kcfg\n%s\n--- kubectl\n%s", flags, g, w)
				}
				if raw && got.out != want.out {
					t.Errorf("with --raw the output should be identical:\n--- kcfg\n%s\n--- kubectl\n%s", got.out, want.out)
				}
				compared++
			})
		}
	}
	if compared < len(sets)*4 {
		t.Errorf("only %d successful comparisons: the fixtures exercise too little", compared)
	}
}

// TestListAndCurrentMatchKubectl compares kcfg list -o name with kubectl
// config get-contexts -o name, and kcfg current with kubectl config
// current-context.
func TestListAndCurrentMatchKubectl(t *testing.T) {
	for name, env := range loadingFixtures(t) {
		if name == "home-default" {
			continue
		}
		t.Run(name, func(t *testing.T) {
			got := runKcfgEnv(t, env, "list", "-o", "name")
			want := runKubectl(t, env, "config", "get-contexts", "-o", "name")
			if got.code != 0 || want.code != 0 || got.out != want.out {
				t.Errorf("list -o name: kcfg %d %q %s; kubectl %d %q %s", got.code, got.out, got.errOut, want.code, want.out, want.errOut)
			}
			got = runKcfgEnv(t, env, "current")
			want = runKubectl(t, env, "config", "current-context")
			if (got.code == 0) != (want.code == 0) || got.out != want.out {
				t.Errorf("current: kcfg %d %q %s; kubectl %d %q %s", got.code, got.out, got.errOut, want.code, want.out, want.errOut)
			}
		})
	}
}
