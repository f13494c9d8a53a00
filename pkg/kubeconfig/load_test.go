package kubeconfig

import (
	"bytes"
	"errors"
	"io/fs"
	"os"
	"path/filepath"
	"reflect"
	"strings"
	"testing"
)

const fixtures = "../../testdata/load"

func TestSourcePaths(t *testing.T) {
	sep := string(os.PathListSeparator)
	tests := []struct {
		name string
		src  Source
		want []string
	}{
		{"explicit wins", Source{ExplicitPath: "x", EnvPath: "a" + sep + "b", Home: "/h"}, []string{"x"}},
		{"env list", Source{EnvPath: "a" + sep + "b", Home: "/h"}, []string{"a", "b"}},
		{"empty entries dropped", Source{EnvPath: sep + "a" + sep + sep + "b" + sep, Home: "/h"}, []string{"a", "b"}},
		{"duplicates read once", Source{EnvPath: strings.Join([]string{"a", "b", "a", "b", "c"}, sep)}, []string{"a", "b", "c"}},
		{"default", Source{Home: "/h"}, []string{filepath.Join("/h", ".kube", "config")}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			if got := tt.src.Paths(); !reflect.DeepEqual(got, tt.want) {
				t.Errorf("Paths() = %q, want %q", got, tt.want)
			}
		})
	}
}

func TestSourceFromEnv(t *testing.T) {
	env := map[string]string{"KUBECONFIG": "k", "HOME": "/home/u"}
	got := SourceFromEnv("", func(k string) string { return env[k] })
	if got != (Source{EnvPath: "k", Home: "/home/u"}) {
		t.Errorf("SourceFromEnv = %+v", got)
	}
}

func list(paths ...string) string { return strings.Join(paths, string(os.PathListSeparator)) }

func TestLoadMergesLikeClientcmd(t *testing.T) {
	a, b := filepath.Join(fixtures, "clash/a.yaml"), filepath.Join(fixtures, "clash/b.yaml")
	missing := filepath.Join(t.TempDir(), "missing.yaml")
	empty := filepath.Join(fixtures, "empty/empty.yaml")
	cfg, err := Load(Source{EnvPath: list(a, missing, empty, b, a)})
	if err != nil {
		t.Fatal(err)
	}
	if want := []string{a, empty, b}; !reflect.DeepEqual(cfg.Files, want) {
		t.Errorf("Files = %q, want %q (missing file left out, duplicate read once)", cfg.Files, want)
	}
	if cfg.Merged.CurrentContext != "only-b" {
		t.Errorf("current-context = %q, want only-b from the second file", cfg.Merged.CurrentContext)
	}
	if ns := cfg.Merged.Contexts["shared"].Namespace; ns != "from-a" {
		t.Errorf("context shared namespace = %q, want from-a (first file wins)", ns)
	}
	if s := cfg.Merged.Clusters["shared"].Server; s != "https://127.0.0.1:1001" {
		t.Errorf("cluster shared server = %q, want the first file's", s)
	}
	origins := map[string]string{
		"context shared": cfg.Merged.Contexts["shared"].LocationOfOrigin,
		"context only-b": cfg.Merged.Contexts["only-b"].LocationOfOrigin,
		"user b-user":    cfg.Merged.AuthInfos["b-user"].LocationOfOrigin,
		"cluster only-a": cfg.Merged.Clusters["only-a"].LocationOfOrigin,
	}
	wantOrigins := map[string]string{"context shared": a, "context only-b": b, "user b-user": b, "cluster only-a": a}
	for k, want := range wantOrigins {
		if abs, _ := filepath.Abs(want); origins[k] != want && origins[k] != abs {
			t.Errorf("%s came from %q, want %q", k, origins[k], want)
		}
	}
}

func TestLoadCurrentContextFromFirstFileThatSetsIt(t *testing.T) {
	a, c := filepath.Join(fixtures, "clash/a.yaml"), filepath.Join(fixtures, "clash/c.yaml")
	b := filepath.Join(fixtures, "clash/b.yaml")
	cfg, err := Load(Source{EnvPath: list(a, c, b)})
	if err != nil {
		t.Fatal(err)
	}
	if cfg.Merged.CurrentContext != "shared" {
		t.Errorf("current-context = %q, want shared (c.yaml is the first to set it)", cfg.Merged.CurrentContext)
	}
}

func TestLoadResolvesRelativePaths(t *testing.T) {
	file := filepath.Join(fixtures, "rel/config.yaml")
	cfg, err := Load(Source{ExplicitPath: file})
	if err != nil {
		t.Fatal(err)
	}
	dir, _ := filepath.Abs(filepath.Dir(file))
	if got, want := cfg.Merged.Clusters["rel"].CertificateAuthority, filepath.Join(dir, "certs/ca.crt"); got != want {
		t.Errorf("certificate-authority = %q, want %q", got, want)
	}
	u := cfg.Merged.AuthInfos["rel-cert"]
	if u.ClientCertificate != filepath.Join(dir, "certs/client.crt") || u.ClientKey != filepath.Join(dir, "certs/client.key") {
		t.Errorf("client paths = %q, %q", u.ClientCertificate, u.ClientKey)
	}
	if got := cfg.Merged.AuthInfos["rel-token"].TokenFile; got != filepath.Join(dir, "certs/token") {
		t.Errorf("tokenFile = %q", got)
	}
	if got := cfg.Unresolved.Clusters["rel"].CertificateAuthority; got != "certs/ca.crt" {
		t.Errorf("unresolved certificate-authority = %q, want it as written", got)
	}
}

func TestLoadEmptyFileIsEmptyConfig(t *testing.T) {
	cfg, err := Load(Source{ExplicitPath: filepath.Join(fixtures, "empty/empty.yaml")})
	if err != nil {
		t.Fatal(err)
	}
	if len(cfg.Merged.Contexts)+len(cfg.Merged.Clusters)+len(cfg.Merged.AuthInfos) != 0 || cfg.Merged.CurrentContext != "" {
		t.Errorf("empty file gave %+v", cfg.Merged)
	}
	if _, err := cfg.CurrentContext(); !errors.Is(err, ErrNoCurrentContext) {
		t.Errorf("CurrentContext() error = %v, want ErrNoCurrentContext", err)
	}
}

const goodHead = "apiVersion: v1\nkind: Config\n"

// TestLoadBadInput has one case per kind of bad input: each gives one
// *Error naming the file (and line, entry and field where known), and the
// file stays byte-identical.
func TestLoadBadInput(t *testing.T) {
	tests := []struct {
		name      string
		content   string // "" with dir: the path is a directory
		dir       bool
		explicit  bool
		wantErr   error
		wantLine  int
		wantKind  string
		wantName  string
		wantField string
		validate  bool
	}{
		{name: "unreadable (a directory)", dir: true, wantErr: ErrUnreadable},
		{name: "missing explicit file", explicit: true, wantErr: ErrMissingFile},
		{name: "not yaml", content: goodHead + "clusters:\n\t- name: tab-indented\n", wantErr: ErrSyntax, wantLine: 4},
		{name: "unterminated", content: goodHead + "current-context: \"abc\n", wantErr: ErrSyntax, wantLine: 3},
		{name: "plain text", content: "this is not a kubeconfig\n", wantErr: ErrNotKubeconfig, wantLine: 1},
		{name: "not a mapping", content: "- just\n- a list\n", wantErr: ErrNotKubeconfig, wantLine: 1},
		{name: "wrong kind", content: "apiVersion: v1\nkind: Pod\n", wantErr: ErrNotKubeconfig, wantLine: 2, wantField: "kind"},
		{name: "wrong apiVersion", content: "apiVersion: v2\nkind: Config\n", wantErr: ErrNotKubeconfig, wantLine: 1, wantField: "apiVersion"},
		{name: "clusters not a list", content: goodHead + "clusters: 3\n", wantErr: ErrNotKubeconfig, wantLine: 3, wantField: "clusters"},
		{name: "invalid base64", content: goodHead + "clusters:\n- name: c1\n  cluster:\n    server: https://127.0.0.1:1\n    certificate-authority-data: '%%%not base64'\n",
			wantErr: ErrInvalidBase64, wantLine: 7, wantKind: "cluster", wantName: "c1", wantField: "cluster.certificate-authority-data"},
		{name: "invalid base64 in user", content: goodHead + "users:\n- name: u1\n  user:\n    client-key-data: abc\n",
			wantErr: ErrInvalidBase64, wantLine: 6, wantKind: "user", wantName: "u1", wantField: "user.client-key-data"},
		{name: "context names missing cluster", validate: true,
			content: goodHead + "users:\n- name: u\n  user: {}\ncontexts:\n- name: ctx\n  context:\n    cluster: nowhere\n    user: u\n",
			wantErr: ErrMissingReference, wantLine: 9, wantKind: "context", wantName: "ctx", wantField: "context.cluster"},
		{name: "context names missing user", validate: true,
			content: goodHead + "clusters:\n- name: c\n  cluster: {server: 'https://127.0.0.1:1'}\ncontexts:\n- name: ctx\n  context:\n    cluster: c\n    user: ghost\n",
			wantErr: ErrMissingReference, wantLine: 10, wantKind: "context", wantName: "ctx", wantField: "context.user"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			path := filepath.Join(t.TempDir(), "config")
			switch {
			case tt.dir:
				if err := os.Mkdir(path, 0o700); err != nil {
					t.Fatal(err)
				}
			case tt.content != "":
				if err := os.WriteFile(path, []byte(tt.content), 0o600); err != nil {
					t.Fatal(err)
				}
			}
			src := Source{EnvPath: path}
			if tt.explicit {
				src = Source{ExplicitPath: path}
			}
			cfg, err := Load(src)
			if err == nil && tt.validate {
				err = cfg.Validate()
			}
			if !errors.Is(err, tt.wantErr) {
				t.Fatalf("error = %v, want %v", err, tt.wantErr)
			}
			var e *Error
			if !errors.As(err, &e) {
				t.Fatalf("error %v is not a *kubeconfig.Error", err)
			}
			if e.File != path {
				t.Errorf("File = %q, want %q", e.File, path)
			}
			if e.Line != tt.wantLine || e.Kind != tt.wantKind || e.Name != tt.wantName || e.Field != tt.wantField {
				t.Errorf("got line %d %s %q field %q, want line %d %s %q field %q (%v)",
					e.Line, e.Kind, e.Name, e.Field, tt.wantLine, tt.wantKind, tt.wantName, tt.wantField, err)
			}
			if !strings.Contains(err.Error(), path) {
				t.Errorf("message %q does not name the file", err)
			}
			if tt.content != "" {
				after, rerr := os.ReadFile(path)
				if rerr != nil || !bytes.Equal(after, []byte(tt.content)) {
					t.Errorf("file changed: %q", after)
				}
			}
		})
	}
}

func TestLoadMissingFileInListIgnored(t *testing.T) {
	missing := filepath.Join(t.TempDir(), "nope")
	cfg, err := Load(Source{EnvPath: missing})
	if err != nil {
		t.Fatalf("missing file in KUBECONFIG should be ignored, got %v", err)
	}
	if len(cfg.Files) != 0 {
		t.Errorf("Files = %q", cfg.Files)
	}
	if _, err := os.Stat(missing); !errors.Is(err, fs.ErrNotExist) {
		t.Errorf("loading created %s", missing)
	}
}

func TestLoadDuplicateNameNamesLineAndHidesSecrets(t *testing.T) {
	path := filepath.Join(t.TempDir(), "config")
	content := goodHead + "users:\n- name: u\n  user:\n    token: s3cr3t-value\n- name: u\n  user:\n    token: other-s3cr3t\n"
	if err := os.WriteFile(path, []byte(content), 0o600); err != nil {
		t.Fatal(err)
	}
	_, err := Load(Source{ExplicitPath: path})
	var e *Error
	if !errors.Is(err, ErrDuplicateName) || !errors.As(err, &e) {
		t.Fatalf("error = %v, want ErrDuplicateName", err)
	}
	if e.Line != 7 || e.Kind != "user" || e.Name != "u" {
		t.Errorf("got line %d %s %q, want line 7 user \"u\"", e.Line, e.Kind, e.Name)
	}
	if strings.Contains(err.Error(), "s3cr3t") {
		t.Errorf("error message leaks a token: %v", err)
	}
}

func TestSafeDetailWithholdsStructDumps(t *testing.T) {
	got := safeDetail(errors.New(`decoding: duplicate name "u" in list: [{u { [] [] s3cr3t }}]`))
	if strings.Contains(got, "s3cr3t") || !strings.Contains(got, `duplicate name "u" in list`) {
		t.Errorf("safeDetail = %q", got)
	}
	if got := safeDetail(errors.New("plain message")); got != "plain message" {
		t.Errorf("safeDetail(plain) = %q", got)
	}
}

// view --minify of a context that does not exist (--context or a dangling
// current-context) names the file and the context.
func TestViewMinifyUnknownContext(t *testing.T) {
	p := filepath.Join(t.TempDir(), "config")
	if err := os.WriteFile(p, []byte(goodHead+"clusters:\n- name: c\n  cluster: {server: \"https://127.0.0.1:1\"}\ncontexts:\n- name: a\n  context: {cluster: c}\ncurrent-context: ghost\n"), 0o600); err != nil {
		t.Fatal(err)
	}
	cfg, err := Load(Source{ExplicitPath: p})
	if err != nil {
		t.Fatal(err)
	}
	for _, name := range []string{"nope", ""} {
		_, err := cfg.View(ViewOptions{Minify: true, Context: name})
		want := name
		if want == "" {
			want = "ghost"
		}
		var e *Error
		if !errors.Is(err, ErrContextNotFound) || !errors.As(err, &e) || e.File != p || e.Name != want {
			t.Errorf("context %q: err = %v, want ErrContextNotFound naming %s and %q", name, err, p, want)
		}
	}
}
