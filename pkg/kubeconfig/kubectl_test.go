package kubeconfig_test

import (
	"bytes"
	"encoding/json"
	"os"
	"os/exec"
	"path/filepath"
	"reflect"
	"strings"
	"testing"

	"github.com/kcfg-dev/kcfg/internal/testcluster"
	"github.com/kcfg-dev/kcfg/pkg/kubeconfig"
)

// Two files, as people keep them: comments, odd spacing, a name in both.
var multiFiles = map[string]string{
	"a.yaml": `# work clusters
apiVersion: v1
kind: Config
clusters:
- name: ca
  cluster:
    server: https://127.0.0.1:1   # a
users:
- name: ua
  user: {token: ta}
contexts:
- name: a1
  context: {cluster: ca, user: ua}
- name: dup
  context:
    cluster: ca
    user: ua
    namespace: from-a
`,
	"b.yaml": `apiVersion: v1
kind: Config
current-context: b1
clusters:
- name: cb
  cluster:
    server: https://127.0.0.1:2
users:
- name: ub
  user:
    token: tb
contexts:
- name: b1
  context:
    cluster: cb
    user: ub
    namespace: team-b
- name: dup
  context:
    cluster: cb
    user: ub
`,
}

type diffCase struct {
	name    string
	files   []string // KUBECONFIG entries, in order ("missing.yaml" never exists)
	setup   func(dir string)
	kubectl []string
	kcfg    func(t *testing.T, ed *kubeconfig.Editor) error
}

func TestAgainstKubectl(t *testing.T) {
	kubectl := testcluster.Kubectl(t)
	ab := []string{"a.yaml", "b.yaml"}
	setCurrentInA := func(dir string) {
		p := filepath.Join(dir, "a.yaml")
		data, _ := os.ReadFile(p)
		_ = os.WriteFile(p, append(data, []byte("current-context: a1\n")...), 0o600)
	}
	unsetCurrent := func(dir string) {
		p := filepath.Join(dir, "b.yaml")
		data, _ := os.ReadFile(p)
		_ = os.WriteFile(p, bytes.Replace(data, []byte("current-context: b1\n"), nil, 1), 0o600)
	}
	cases := []diffCase{
		{name: "use-context no file sets it", files: ab, setup: unsetCurrent, kubectl: []string{"use-context", "b1"},
			kcfg: func(t *testing.T, ed *kubeconfig.Editor) error { _, err := ed.Use(t.Context(), "b1"); return err }},
		{name: "use-context no file sets it, first missing", files: []string{"missing.yaml", "b.yaml", "a.yaml"}, setup: unsetCurrent, kubectl: []string{"use-context", "b1"},
			kcfg: func(t *testing.T, ed *kubeconfig.Editor) error { _, err := ed.Use(t.Context(), "b1"); return err }},
		{name: "use-context", files: ab, kubectl: []string{"use-context", "a1"},
			kcfg: func(t *testing.T, ed *kubeconfig.Editor) error { _, err := ed.Use(t.Context(), "a1"); return err }},
		{name: "use-context shadowed", files: ab, kubectl: []string{"use-context", "dup"},
			kcfg: func(t *testing.T, ed *kubeconfig.Editor) error { _, err := ed.Use(t.Context(), "dup"); return err }},
		{name: "use-context first file sets it", files: ab, setup: setCurrentInA, kubectl: []string{"use-context", "b1"},
			kcfg: func(t *testing.T, ed *kubeconfig.Editor) error { _, err := ed.Use(t.Context(), "b1"); return err }},
		{name: "use-context first file missing", files: []string{"missing.yaml", "b.yaml", "a.yaml"}, kubectl: []string{"use-context", "a1"},
			kcfg: func(t *testing.T, ed *kubeconfig.Editor) error { _, err := ed.Use(t.Context(), "a1"); return err }},
		{name: "use-context same", files: ab, kubectl: []string{"use-context", "b1"},
			kcfg: func(t *testing.T, ed *kubeconfig.Editor) error { _, err := ed.Use(t.Context(), "b1"); return err }},
		{name: "set-context namespace", files: ab, kubectl: []string{"set-context", "--current", "--namespace=kube-system"},
			kcfg: func(t *testing.T, ed *kubeconfig.Editor) error {
				_, err := ed.SetNamespace(t.Context(), "kube-system", "")
				return err
			}},
		{name: "set-context namespace shadowed", files: ab, setup: func(dir string) {
			p := filepath.Join(dir, "b.yaml")
			data, _ := os.ReadFile(p)
			_ = os.WriteFile(p, bytes.Replace(data, []byte("current-context: b1"), []byte("current-context: dup"), 1), 0o600)
		}, kubectl: []string{"set-context", "--current", "--namespace=x"},
			kcfg: func(t *testing.T, ed *kubeconfig.Editor) error {
				_, err := ed.SetNamespace(t.Context(), "x", "")
				return err
			}},
		{name: "delete-context", files: ab, kubectl: []string{"delete-context", "a1"},
			kcfg: func(t *testing.T, ed *kubeconfig.Editor) error {
				_, err := ed.Delete(t.Context(), []string{"a1"}, kubeconfig.DeleteOptions{KeepOrphans: true})
				return err
			}},
		{name: "delete-context shadowed", files: ab, kubectl: []string{"delete-context", "dup"},
			kcfg: func(t *testing.T, ed *kubeconfig.Editor) error {
				_, err := ed.Delete(t.Context(), []string{"dup"}, kubeconfig.DeleteOptions{KeepOrphans: true})
				return err
			}},
		{name: "rename-context", files: ab, kubectl: []string{"rename-context", "a1", "a-one"},
			kcfg: func(t *testing.T, ed *kubeconfig.Editor) error {
				_, err := ed.Rename(t.Context(), "a1", "a-one", "")
				return err
			}},
		{name: "rename-context current", files: ab, kubectl: []string{"rename-context", "b1", "b-one"},
			kcfg: func(t *testing.T, ed *kubeconfig.Editor) error {
				_, err := ed.Rename(t.Context(), "b1", "b-one", "")
				return err
			}},
		{name: "rename-context current in first file", files: ab, setup: setCurrentInA, kubectl: []string{"rename-context", "a1", "a-one"},
			kcfg: func(t *testing.T, ed *kubeconfig.Editor) error {
				_, err := ed.Rename(t.Context(), "a1", "a-one", "")
				return err
			}},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			kDir, cDir := t.TempDir(), t.TempDir()
			for _, dir := range []string{kDir, cDir} {
				for name, body := range multiFiles {
					if err := os.WriteFile(filepath.Join(dir, name), []byte(body), 0o600); err != nil {
						t.Fatal(err)
					}
				}
				if tc.setup != nil {
					tc.setup(dir)
				}
			}
			list := func(dir string) string {
				var p []string
				for _, f := range tc.files {
					p = append(p, filepath.Join(dir, f))
				}
				return strings.Join(p, string(os.PathListSeparator))
			}
			before := map[string][]byte{}
			for name := range multiFiles {
				before[name], _ = os.ReadFile(filepath.Join(kDir, name))
			}

			cmd := exec.Command(kubectl, append([]string{"config"}, tc.kubectl...)...)
			cmd.Env = []string{"KUBECONFIG=" + list(kDir), "HOME=" + kDir, "PATH=/usr/bin:/bin"}
			if out, err := cmd.CombinedOutput(); err != nil {
				t.Fatalf("kubectl %v: %v\n%s", tc.kubectl, err, out)
			}
			ed := &kubeconfig.Editor{Source: kubeconfig.Source{EnvPath: list(cDir), Home: cDir},
				State: &kubeconfig.State{Dir: filepath.Join(cDir, "state")}}
			if err := tc.kcfg(t, ed); err != nil {
				t.Fatalf("kcfg: %v", err)
			}
			for name := range multiFiles {
				k, _ := os.ReadFile(filepath.Join(kDir, name))
				c, _ := os.ReadFile(filepath.Join(cDir, name))
				kChanged, cChanged := !bytes.Equal(k, before[name]), !bytes.Equal(c, before[name])
				if kChanged != cChanged {
					t.Errorf("%s: changed by kubectl %v, by kcfg %v", name, kChanged, cChanged)
				}
				if got, want := configOf(t, name, c), configOf(t, name, k); !reflect.DeepEqual(got, want) {
					t.Errorf("%s differs:\nkcfg:    %v\nkubectl: %v", name, got, want)
				}
			}
			if _, err := os.Stat(filepath.Join(cDir, "missing.yaml")); err == nil {
				t.Error("kcfg created missing.yaml")
			}
		})
	}
}

// configOf parses a file into plain values, for comparison.
func configOf(t *testing.T, name string, data []byte) map[string]any {
	t.Helper()
	cfg, err := kubeconfig.ParseFile(name, data)
	if err != nil {
		t.Fatal(err)
	}
	js, err := kubeconfig.Encode(cfg, "json")
	if err != nil {
		t.Fatal(err)
	}
	var m map[string]any
	if err := json.Unmarshal(js, &m); err != nil {
		t.Fatal(err)
	}
	delete(m, "preferences")
	return m
}
