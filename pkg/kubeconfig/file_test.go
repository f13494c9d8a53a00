package kubeconfig_test

import (
	"errors"
	"os"
	"path/filepath"
	"testing"

	"k8s.io/client-go/tools/clientcmd"

	"github.com/kcfg-dev/kcfg/pkg/kubeconfig"
)

func write(t *testing.T, dir, name, text string, mode os.FileMode) string {
	t.Helper()
	p := filepath.Join(dir, name)
	if err := os.WriteFile(p, []byte(text), mode); err != nil {
		t.Fatal(err)
	}
	if err := os.Chmod(p, mode); err != nil {
		t.Fatal(err)
	}
	return p
}

const good = `apiVersion: v1
kind: Config
current-context: a
clusters:
- name: one
  cluster:
    server: https://127.0.0.1:6443
    certificate-authority: certs/ca.crt
users:
- name: alice
  user:
    client-certificate: /etc/alice.crt
    tokenFile: token
    exec:
      apiVersion: client.authentication.k8s.io/v1beta1
      command: ./bin/cred
contexts:
- name: a
  context:
    cluster: one
    user: alice
`

func TestReadFile(t *testing.T) {
	dir := t.TempDir()
	p := write(t, dir, "config", good, 0o640)
	f := kubeconfig.ReadFile(p)
	if len(f.Problems) != 0 {
		t.Fatalf("problems: %v", f.Problems)
	}
	if f.Mode != 0o640 {
		t.Errorf("mode = %o, want 640", f.Mode)
	}
	t.Run("resolved and raw paths", func(t *testing.T) {
		if got, want := f.Config.Clusters["one"].CertificateAuthority, filepath.Join(dir, "certs", "ca.crt"); got != want {
			t.Errorf("resolved CA = %s, want %s", got, want)
		}
		if got := f.Raw.Clusters["one"].CertificateAuthority; got != "certs/ca.crt" {
			t.Errorf("raw CA = %s", got)
		}
		if got := f.Config.AuthInfos["alice"].ClientCertificate; got != "/etc/alice.crt" {
			t.Errorf("absolute path changed: %s", got)
		}
		if got, want := f.Config.AuthInfos["alice"].Exec.Command, filepath.Join(dir, "bin", "cred"); got != want {
			t.Errorf("exec command = %s, want %s", got, want)
		}
		if f.Config.Contexts["a"].LocationOfOrigin != p || f.Raw.AuthInfos["alice"].LocationOfOrigin != p {
			t.Error("LocationOfOrigin not set")
		}
	})
	t.Run("lines", func(t *testing.T) {
		tests := []struct {
			kind, name string
			field      []string
			want       int
		}{
			{kubeconfig.KindCluster, "one", nil, 5},
			{kubeconfig.KindCluster, "one", []string{"server"}, 7},
			{kubeconfig.KindUser, "alice", []string{"exec", "command"}, 16},
			{kubeconfig.KindUser, "alice", []string{"exec", "interactiveMode"}, 14},
			{kubeconfig.KindContext, "a", []string{"user"}, 21},
			{kubeconfig.KindContext, "missing", nil, 0},
		}
		for _, tt := range tests {
			if got := f.Line(tt.kind, tt.name, tt.field...); got != tt.want {
				t.Errorf("Line(%s, %s, %v) = %d, want %d", tt.kind, tt.name, tt.field, got, tt.want)
			}
		}
		if got := f.KeyLine("current-context"); got != 3 {
			t.Errorf("KeyLine = %d, want 3", got)
		}
	})
	t.Run("has", func(t *testing.T) {
		// Decoding defaults interactiveMode for v1beta1; Has tells it was not written.
		if f.Config.AuthInfos["alice"].Exec.InteractiveMode == "" {
			t.Error("expected clientcmd to default interactiveMode")
		}
		if f.Has(kubeconfig.KindUser, "alice", "exec", "interactiveMode") {
			t.Error("Has(interactiveMode) = true for a field not in the file")
		}
		if !f.Has(kubeconfig.KindUser, "alice", "exec", "command") {
			t.Error("Has(command) = false")
		}
	})
}

func TestReadFileProblems(t *testing.T) {
	dir := t.TempDir()
	tests := []struct {
		name, text string
		want       []error
		lines      []int
		decoded    bool
	}{
		{
			name: "invalid base64 in two fields, the rest still decoded",
			text: `apiVersion: v1
kind: Config
clusters:
- name: one
  cluster:
    server: https://127.0.0.1:6443
    certificate-authority-data: "!!!"
users:
- name: alice
  user:
    client-key-data: "%%%"
    token: abc
`,
			want:    []error{kubeconfig.ErrInvalidBase64, kubeconfig.ErrInvalidBase64},
			lines:   []int{7, 11},
			decoded: true,
		},
		{
			name: "duplicate names: the first is kept",
			text: `clusters:
- name: one
  cluster:
    server: https://127.0.0.1:1
- name: one
  cluster:
    server: https://127.0.0.1:2
`,
			want:    []error{kubeconfig.ErrDuplicateName},
			lines:   []int{5},
			decoded: true,
		},
		{
			name:  "not YAML",
			text:  "clusters: [\n  - name: x\n",
			want:  []error{kubeconfig.ErrSyntax},
			lines: []int{-1},
		},
		{
			name:  "not a kubeconfig",
			text:  "apiVersion: v1\nkind: Pod\n",
			want:  []error{kubeconfig.ErrNotKubeconfig},
			lines: []int{2},
		},
	}
	for i, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			p := write(t, dir, "config"+string(rune('a'+i)), tt.text, 0o600)
			f := kubeconfig.ReadFile(p)
			if len(f.Problems) != len(tt.want) {
				t.Fatalf("problems = %v, want %d", f.Problems, len(tt.want))
			}
			for j, e := range f.Problems {
				if !errors.Is(e, tt.want[j]) {
					t.Errorf("problem %d = %v, want %v", j, e, tt.want[j])
				}
				if e.File != p {
					t.Errorf("problem %d names file %s", j, e.File)
				}
				if tt.lines[j] >= 0 && e.Line != tt.lines[j] {
					t.Errorf("problem %d line = %d, want %d", j, e.Line, tt.lines[j])
				}
			}
			if (f.Config != nil) != tt.decoded {
				t.Fatalf("decoded = %v, want %v", f.Config != nil, tt.decoded)
			}
		})
	}
	t.Run("lenient decode keeps the good fields", func(t *testing.T) {
		f := kubeconfig.ReadFile(filepath.Join(dir, "configa"))
		if f.Config.AuthInfos["alice"].Token != "abc" || f.Config.Clusters["one"].Server != "https://127.0.0.1:6443" {
			t.Errorf("config = %+v", f.Config)
		}
		if len(f.Config.Clusters["one"].CertificateAuthorityData) != 0 {
			t.Error("the bad field was kept")
		}
		// Load itself still refuses the file, naming the first bad field.
		_, err := kubeconfig.Load(kubeconfig.Source{ExplicitPath: f.Path})
		var ke *kubeconfig.Error
		if !errors.As(err, &ke) || !errors.Is(err, kubeconfig.ErrInvalidBase64) || ke.Line != 7 {
			t.Errorf("Load err = %v, want invalid base64 at line 7", err)
		}
	})
	t.Run("duplicate keeps the first", func(t *testing.T) {
		f := kubeconfig.ReadFile(filepath.Join(dir, "configb"))
		if got := f.Config.Clusters["one"].Server; got != "https://127.0.0.1:1" {
			t.Errorf("server = %s, want the first definition", got)
		}
	})
	t.Run("missing", func(t *testing.T) {
		f := kubeconfig.ReadFile(filepath.Join(dir, "nope"))
		if len(f.Problems) != 1 || !errors.Is(f.Problems[0], kubeconfig.ErrMissingFile) || f.Config != nil {
			t.Errorf("problems = %v", f.Problems)
		}
	})
	t.Run("a directory is unreadable", func(t *testing.T) {
		f := kubeconfig.ReadFile(dir)
		if len(f.Problems) != 1 || !errors.Is(f.Problems[0], kubeconfig.ErrUnreadable) {
			t.Errorf("problems = %v", f.Problems)
		}
	})
	t.Run("JSON has lines too", func(t *testing.T) {
		f := kubeconfig.ReadFile(write(t, dir, "json", `{
  "apiVersion": "v1",
  "clusters": [
    {"name": "j", "cluster": {
      "server": "https://127.0.0.1:1",
      "certificate-authority-data": "!!"}}
  ]
}`, 0o600))
		if len(f.Problems) != 1 || f.Problems[0].Line != 6 || f.Line(kubeconfig.KindCluster, "j", "server") != 5 {
			t.Errorf("problems %v, server line %d", f.Problems, f.Line(kubeconfig.KindCluster, "j", "server"))
		}
	})
	t.Run("empty file", func(t *testing.T) {
		f := kubeconfig.ReadFile(write(t, dir, "empty", "", 0o600))
		if len(f.Problems) != 0 || f.Config == nil || f.Line(kubeconfig.KindCluster, "x") != 0 {
			t.Errorf("empty file: %+v", f)
		}
	})
}

func TestReadFilesAndMerge(t *testing.T) {
	dir := t.TempDir()
	a := write(t, dir, "a", `clusters:
- name: shared
  cluster:
    server: https://127.0.0.1:1
contexts:
- name: ca
  context:
    cluster: shared
`, 0o600)
	b := write(t, dir, "b", `current-context: cb
clusters:
- name: shared
  cluster:
    server: https://127.0.0.1:2
- name: own
  cluster:
    server: https://127.0.0.1:3
contexts:
- name: cb
  context:
    cluster: own
`, 0o600)
	missing := filepath.Join(dir, "missing")

	files := kubeconfig.ReadFiles([]string{a, missing, b, a}, false)
	if len(files) != 2 || files[0].Path != a || files[1].Path != b {
		t.Fatalf("ReadFiles(not required) = %d files", len(files))
	}
	if got := kubeconfig.ReadFiles([]string{a, missing}, true); len(got) != 2 || !errors.Is(got[1].Problems[0], kubeconfig.ErrMissingFile) {
		t.Fatalf("ReadFiles(required) did not report the missing file")
	}
	if got := kubeconfig.ReadSource(kubeconfig.Source{EnvPath: a + string(os.PathListSeparator) + missing}); len(got) != 1 {
		t.Errorf("ReadSource = %d files, want 1", len(got))
	}

	m := kubeconfig.Merge(files)
	if m.Clusters["shared"].Server != "https://127.0.0.1:1" || m.Clusters["shared"].LocationOfOrigin != a {
		t.Errorf("shared = %+v, want the first file's", m.Clusters["shared"])
	}
	if m.Clusters["own"] == nil || len(m.Contexts) != 2 {
		t.Errorf("merge lost entries: %+v", m)
	}
	if m.CurrentContext != "cb" {
		t.Errorf("current-context = %q, want cb (from the first file that sets it)", m.CurrentContext)
	}
	// Merge agrees with clientcmd's own loading rules.
	cm, err := (&clientcmd.ClientConfigLoadingRules{Precedence: []string{a, b}}).Load()
	if err != nil {
		t.Fatal(err)
	}
	if cm.CurrentContext != m.CurrentContext || len(cm.Clusters) != len(m.Clusters) || len(cm.Contexts) != len(m.Contexts) {
		t.Errorf("clientcmd merge differs: %+v", cm)
	}
	for name, c := range cm.Clusters {
		if m.Clusters[name].Server != c.Server || m.Clusters[name].LocationOfOrigin != c.LocationOfOrigin {
			t.Errorf("cluster %s: clientcmd %s from %s, Merge %s from %s", name, c.Server, c.LocationOfOrigin,
				m.Clusters[name].Server, m.Clusters[name].LocationOfOrigin)
		}
	}
}
