package kubeconfig

import (
	"errors"
	"os"
	"path/filepath"
	"strings"
	"testing"
)

func putFile(t *testing.T, p, s string) string {
	t.Helper()
	if err := os.MkdirAll(filepath.Dir(p), 0o755); err != nil {
		t.Fatal(err)
	}
	if err := os.WriteFile(p, []byte(s), 0o600); err != nil {
		t.Fatal(err)
	}
	return p
}

const incoming = `apiVersion: v1
kind: Config
clusters:
- name: dev
  cluster: {server: "https://127.0.0.1:7443", certificate-authority: certs/ca.crt}
- name: same
  cluster: {server: "https://127.0.0.1:8443"}
users:
- name: dev-admin
  user: {tokenFile: token}
contexts:
- name: dev
  context: {cluster: dev, user: dev-admin}
- name: same
  context: {cluster: same}
`

const existing = `apiVersion: v1
kind: Config
clusters:
- name: dev
  cluster: {server: "https://127.0.0.1:16443"}
- name: same
  cluster: {server: "https://127.0.0.1:8443"}
users:
- name: dev-admin
  user: {token: x}
contexts:
- name: dev
  context: {cluster: dev, user: dev-admin}
- name: same
  context: {cluster: same}
current-context: dev
`

func TestAdd(t *testing.T) {
	elsewhere := t.TempDir()
	in := putFile(t, filepath.Join(elsewhere, "new.yaml"), incoming)
	putFile(t, filepath.Join(elsewhere, "certs", "ca.crt"), "CA")
	putFile(t, filepath.Join(elsewhere, "token"), "secret-token\n")

	t.Run("rename", func(t *testing.T) {
		p := putFile(t, filepath.Join(t.TempDir(), "config"), existing)
		res, err := editor(t, p).Add(t.Context(), []string{in}, AddOptions{})
		if err != nil {
			t.Fatal(err)
		}
		cfg, _ := ParseFile(p, readFile(t, p))
		if cfg.Clusters["dev-2"] == nil || cfg.Clusters["dev-2"].CertificateAuthority != filepath.Join(elsewhere, "certs", "ca.crt") {
			t.Errorf("cluster dev-2 missing or path not absolute: %+v", cfg.Clusters["dev-2"])
		}
		if u := cfg.AuthInfos["dev-admin-2"]; u == nil || u.TokenFile != filepath.Join(elsewhere, "token") {
			t.Errorf("user dev-admin-2: %+v", u)
		}
		if c := cfg.Contexts["dev-2"]; c == nil || c.Cluster != "dev-2" || c.AuthInfo != "dev-admin-2" {
			t.Errorf("context dev-2 does not follow its renamed cluster and user: %+v", c)
		}
		if _, dup := cfg.Clusters["same-2"]; dup {
			t.Error("identical cluster duplicated")
		}
		if _, dup := cfg.Contexts["same-2"]; dup {
			t.Error("identical context duplicated")
		}
		verbs := map[string]int{}
		for _, a := range res.Actions {
			verbs[a.Verb]++
		}
		if verbs["renamed"] != 3 || verbs["identical"] != 2 {
			t.Errorf("actions: %+v", res.Actions)
		}
	})
	t.Run("twice", func(t *testing.T) {
		// Adding the same file again finds its renamed entries (dev-2,
		// dev-admin-2) identical and adds nothing: no dev-3.
		p := putFile(t, filepath.Join(t.TempDir(), "config"), existing)
		if _, err := editor(t, p).Add(t.Context(), []string{in}, AddOptions{}); err != nil {
			t.Fatal(err)
		}
		once := readFile(t, p)
		res, err := editor(t, p).Add(t.Context(), []string{in}, AddOptions{})
		if err != nil {
			t.Fatal(err)
		}
		if got := readFile(t, p); string(got) != string(once) {
			t.Errorf("adding the file again changed it:\n%s", UnifiedDiff(p, once, got, false))
		}
		for _, a := range res.Actions {
			if a.Verb != "identical" {
				t.Errorf("action %+v, want only identical", a)
			}
			if a.Name == "dev" && a.To != "dev-2" {
				t.Errorf("action %+v does not name the identical entry dev-2", a)
			}
		}
	})
	t.Run("embed", func(t *testing.T) {
		p := putFile(t, filepath.Join(t.TempDir(), "config"), existing)
		if _, err := editor(t, p).Add(t.Context(), []string{in}, AddOptions{Embed: true}); err != nil {
			t.Fatal(err)
		}
		cfg, _ := ParseFile(p, readFile(t, p))
		if string(cfg.Clusters["dev-2"].CertificateAuthorityData) != "CA" || cfg.AuthInfos["dev-admin-2"].Token != "secret-token" {
			t.Errorf("not embedded: %+v %+v", cfg.Clusters["dev-2"], cfg.AuthInfos["dev-admin-2"])
		}
	})
	t.Run("overwrite and skip", func(t *testing.T) {
		p := putFile(t, filepath.Join(t.TempDir(), "config"), existing)
		if _, err := editor(t, p).Add(t.Context(), []string{in}, AddOptions{OnConflict: ConflictSkip}); err != nil {
			t.Fatal(err)
		}
		if string(readFile(t, p)) != existing {
			t.Error("skip changed the file")
		}
		if _, err := editor(t, p).Add(t.Context(), []string{in}, AddOptions{OnConflict: ConflictOverwrite}); err != nil {
			t.Fatal(err)
		}
		cfg, _ := ParseFile(p, readFile(t, p))
		if cfg.Clusters["dev"].Server != "https://127.0.0.1:7443" || len(cfg.Clusters) != 2 {
			t.Errorf("overwrite: %+v", cfg.Clusters)
		}
	})
	t.Run("into new file", func(t *testing.T) {
		p := putFile(t, filepath.Join(t.TempDir(), "config"), existing)
		into := filepath.Join(t.TempDir(), "fresh.yaml")
		if _, err := editor(t, p).Add(t.Context(), []string{in}, AddOptions{Into: into}); err != nil {
			t.Fatal(err)
		}
		if string(readFile(t, p)) != existing {
			t.Error("the kubeconfig changed")
		}
		fi, err := os.Stat(into)
		if err != nil || fi.Mode().Perm() != 0o600 {
			t.Fatalf("new file: %v %v", fi, err)
		}
	})
}

func TestShadowedContext(t *testing.T) {
	dir := t.TempDir()
	a := putFile(t, filepath.Join(dir, "a.yaml"), "apiVersion: v1\nkind: Config\ncontexts:\n- name: x\n  context: {cluster: c, namespace: a}\ncurrent-context: x\n")
	b := putFile(t, filepath.Join(dir, "b.yaml"), "apiVersion: v1\nkind: Config\nclusters:\n- name: c\n  cluster: {server: \"https://127.0.0.1:1\"}\ncontexts:\n- name: x\n  context: {cluster: c, namespace: b}\n")
	ed := editor(t, a, b)
	res, err := ed.SetNamespace(t.Context(), "one", "")
	if err != nil {
		t.Fatal(err)
	}
	if len(res.Warnings) != 1 || res.Changes[0].Path != a {
		t.Fatalf("want a warning and a change to %s: %+v %v", a, res.Warnings, res.Changes)
	}
	if _, err := ed.SetNamespace(t.Context(), "two", b); err != nil {
		t.Fatal(err)
	}
	ca, _ := ParseFile(a, readFile(t, a))
	cb, _ := ParseFile(b, readFile(t, b))
	if ca.Contexts["x"].Namespace != "one" || cb.Contexts["x"].Namespace != "two" {
		t.Errorf("namespaces: a %q b %q", ca.Contexts["x"].Namespace, cb.Contexts["x"].Namespace)
	}
}

func TestExport(t *testing.T) {
	dir := t.TempDir()
	putFile(t, filepath.Join(dir, "ca.crt"), "CA")
	p := putFile(t, filepath.Join(dir, "config"), existing+"\n")
	_ = os.WriteFile(p, []byte(`apiVersion: v1
kind: Config
clusters:
- name: a
  cluster: {server: "https://127.0.0.1:1", certificate-authority: ca.crt}
- name: b
  cluster: {server: "https://127.0.0.1:2"}
users:
- name: u
  user: {token: t}
contexts:
- name: a
  context: {cluster: a, user: u}
- name: b
  context: {cluster: b}
current-context: b
`), 0o644)
	out := filepath.Join(t.TempDir(), "out.yaml")
	data, _, err := editor(t, p).Export(t.Context(), []string{"a"}, ExportOptions{File: out})
	if err != nil {
		t.Fatal(err)
	}
	fi, _ := os.Stat(out)
	if fi.Mode().Perm() != 0o600 || string(readFile(t, out)) != string(data) {
		t.Errorf("mode %o", fi.Mode().Perm())
	}
	cfg, err := ParseFile(out, data)
	if err != nil {
		t.Fatal(err)
	}
	if len(cfg.Contexts) != 1 || len(cfg.Clusters) != 1 || cfg.CurrentContext != "a" || string(cfg.Clusters["a"].CertificateAuthorityData) != "CA" {
		t.Errorf("export: %+v", cfg)
	}
}

// The shadowing warning suggests --in only to the commands that take it:
// use and export act on the context kubectl uses and have no such choice.
func TestShadowWarningHint(t *testing.T) {
	dir := t.TempDir()
	a := putFile(t, filepath.Join(dir, "a.yaml"), "apiVersion: v1\nkind: Config\nclusters:\n- name: c\n  cluster: {server: \"https://127.0.0.1:1\"}\ncontexts:\n- name: x\n  context: {cluster: c, namespace: a}\n- name: o\n  context: {cluster: c}\ncurrent-context: o\n")
	b := putFile(t, filepath.Join(dir, "b.yaml"), "apiVersion: v1\nkind: Config\ncontexts:\n- name: x\n  context: {cluster: c, namespace: b}\n")
	tests := []struct {
		name   string
		run    func(*Editor) (*Result, error)
		wantIn bool
	}{
		{"use", func(ed *Editor) (*Result, error) { return ed.Use(t.Context(), "x") }, false},
		{"export", func(ed *Editor) (*Result, error) {
			_, res, err := ed.Export(t.Context(), []string{"x"}, ExportOptions{})
			return res, err
		}, false},
		{"delete", func(ed *Editor) (*Result, error) { return ed.Delete(t.Context(), []string{"x"}, DeleteOptions{}) }, true},
		{"rename", func(ed *Editor) (*Result, error) { return ed.Rename(t.Context(), "x", "z", "") }, true},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			ed := editor(t, a, b)
			ed.DryRun = true
			res, err := tt.run(ed)
			if err != nil {
				t.Fatal(err)
			}
			if len(res.Warnings) != 1 {
				t.Fatalf("want one warning, got %q", res.Warnings)
			}
			w := res.Warnings[0]
			if !strings.Contains(w, a) || !strings.Contains(w, b) {
				t.Errorf("warning does not name both files: %s", w)
			}
			if got := strings.Contains(w, "--in"); got != tt.wantIn {
				t.Errorf("warning mentions --in: %v, want %v: %s", got, tt.wantIn, w)
			}
		})
	}
}

// TestAddIntoStandaloneFile adds into a file outside the loaded ones: it
// must work on its own, so entries that exist only in the loaded files are
// added to it, not taken as already there.
func TestAddIntoStandaloneFile(t *testing.T) {
	elsewhere := t.TempDir()
	in := putFile(t, filepath.Join(elsewhere, "new.yaml"), incoming+`- name: borrows
  context: {cluster: only-loaded, user: loaded-user}
`)
	putFile(t, filepath.Join(elsewhere, "certs", "ca.crt"), "CA")
	putFile(t, filepath.Join(elsewhere, "token"), "secret-token\n")
	loaded := t.TempDir()
	withMore := strings.Replace(existing, "clusters:\n", "clusters:\n- name: only-loaded\n  cluster: {server: \"https://127.0.0.1:9443\", certificate-authority: loaded-ca.crt}\n", 1)
	withMore = strings.Replace(withMore, "users:\n", "users:\n- name: loaded-user\n  user: {tokenFile: loaded-token}\n", 1)
	p := putFile(t, filepath.Join(loaded, "config"), withMore)
	into := filepath.Join(t.TempDir(), "standalone.yaml")
	if _, err := editor(t, p).Add(t.Context(), []string{in}, AddOptions{Into: into}); err != nil {
		t.Fatal(err)
	}
	cfg, err := Load(Source{ExplicitPath: into})
	if err != nil {
		t.Fatal(err)
	}
	if err := cfg.Validate(); err != nil {
		t.Errorf("the file written by add --into does not stand on its own: %v", err)
	}
	if c := cfg.Merged.Clusters["only-loaded"]; c == nil || c.CertificateAuthority != filepath.Join(loaded, "loaded-ca.crt") {
		t.Errorf("cluster only-loaded not copied with its path made absolute: %+v", c)
	}
	src, _ := ParseFile(in, readFile(t, in))
	for name := range src.Contexts {
		if cfg.Merged.Contexts[name] == nil {
			t.Errorf("context %q not added under its own name (a standalone file has no clash)", name)
		}
	}
}

// TestCorruptMemoryIsReported: a memory file that does not parse is
// reported, naming it, and never overwritten silently.
func TestCorruptMemoryIsReported(t *testing.T) {
	p := fixture(t, "commented.yaml")
	ed := editor(t, p)
	mem := ed.State.memoryPath()
	putFile(t, mem, "garbage{{")
	_, err := ed.Use(t.Context(), Previous)
	var e *Error
	if !errors.Is(err, ErrStateCorrupt) || !errors.As(err, &e) || e.File != mem {
		t.Fatalf("use -: %v, want ErrStateCorrupt naming %s", err, mem)
	}
	_, _ = ed.SetNamespace(t.Context(), "x", "")
	if got := string(readFile(t, mem)); got != "garbage{{" {
		t.Errorf("memory file overwritten: %q", got)
	}
}
