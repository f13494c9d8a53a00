package clients

import (
	"crypto/tls"
	"errors"
	"io/fs"
	"net/http"
	"net/http/httptest"
	"net/url"
	"os"
	"path/filepath"
	"strings"
	"sync"
	"testing"

	"k8s.io/client-go/rest"
)

// serviceAccount writes a service account folder with the files given
// (name to content; nil content leaves the file out).
func serviceAccount(t *testing.T, files map[string][]byte) string {
	t.Helper()
	dir := t.TempDir()
	for name, data := range files {
		if data == nil {
			continue
		}
		if err := os.WriteFile(filepath.Join(dir, name), data, 0o600); err != nil {
			t.Fatal(err)
		}
	}
	return dir
}

func envOf(m map[string]string) func(string) string { return func(k string) string { return m[k] } }

func TestInClusterConfig(t *testing.T) {
	ca := newCA(t, "kcfg-test-ca")
	env := map[string]string{"KUBERNETES_SERVICE_HOST": "10.0.0.1", "KUBERNETES_SERVICE_PORT": "443"}
	tests := []struct {
		name    string
		env     map[string]string
		files   map[string][]byte
		host    string
		withCA  bool
		errIs   error
		errText []string
	}{
		{name: "token and CA", env: env, files: map[string][]byte{"token": []byte("tok"), "ca.crt": ca.PEM},
			host: "https://10.0.0.1:443", withCA: true},
		{name: "IPv6 host", env: map[string]string{"KUBERNETES_SERVICE_HOST": "fd00::1", "KUBERNETES_SERVICE_PORT": "6443"},
			files: map[string][]byte{"token": []byte("tok"), "ca.crt": ca.PEM}, host: "https://[fd00::1]:6443", withCA: true},
		{name: "no CA file: system roots", env: env, files: map[string][]byte{"token": []byte("tok")}, host: "https://10.0.0.1:443"},
		{name: "no environment", env: map[string]string{"KUBERNETES_SERVICE_HOST": "10.0.0.1"},
			files: map[string][]byte{"token": []byte("tok")}, errIs: rest.ErrNotInCluster, errText: []string{"in-cluster", "KUBERNETES_SERVICE_PORT"}},
		{name: "no token", env: env, files: map[string][]byte{"ca.crt": ca.PEM}, errIs: fs.ErrNotExist, errText: []string{"token"}},
		{name: "CA without a certificate", env: env, files: map[string][]byte{"token": []byte("tok"), "ca.crt": []byte("not a certificate")},
			errText: []string{"ca.crt", "service account CA"}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			dir := serviceAccount(t, tt.files)
			cfg, err := InClusterConfig(envOf(tt.env), dir)
			if tt.errText != nil {
				if err == nil {
					t.Fatalf("no error; config %+v", cfg)
				}
				if tt.errIs != nil && !errors.Is(err, tt.errIs) {
					t.Errorf("error %v is not %v", err, tt.errIs)
				}
				for _, s := range tt.errText {
					if !strings.Contains(err.Error(), s) {
						t.Errorf("error %q does not mention %q", err, s)
					}
				}
				if strings.Contains(err.Error(), "tok\"") {
					t.Errorf("error %q shows the token", err)
				}
				return
			}
			if err != nil {
				t.Fatal(err)
			}
			if cfg.Host != tt.host {
				t.Errorf("host %q, want %q", cfg.Host, tt.host)
			}
			if cfg.BearerToken != "tok" || cfg.BearerTokenFile != filepath.Join(dir, "token") {
				t.Errorf("token %q from %q, want tok from %s/token", cfg.BearerToken, cfg.BearerTokenFile, dir)
			}
			wantCA := ""
			if tt.withCA {
				wantCA = filepath.Join(dir, "ca.crt")
			}
			if cfg.CAFile != wantCA {
				t.Errorf("CA file %q, want %q", cfg.CAFile, wantCA)
			}
		})
	}
}

// TestInClusterConnects talks to a TLS server with the in-cluster config:
// the server's certificate is checked against ca.crt, and the token file's
// token is sent.
func TestInClusterConnects(t *testing.T) {
	ca := newCA(t, "kcfg-test-ca")
	var mu sync.Mutex
	var gotAuth string
	srv := httptest.NewUnstartedServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		mu.Lock()
		gotAuth = r.Header.Get("Authorization")
		mu.Unlock()
		w.Header().Set("Content-Type", "application/json")
		_, _ = w.Write([]byte(`{"major":"1","minor":"37","gitVersion":"v1.37.2"}`))
	}))
	srv.TLS = &tls.Config{Certificates: []tls.Certificate{localhost(t, ca)}}
	srv.StartTLS()
	defer srv.Close()
	u, err := url.Parse(srv.URL)
	if err != nil {
		t.Fatal(err)
	}
	dir := serviceAccount(t, map[string][]byte{"token": []byte("sa-token"), "ca.crt": ca.PEM, "namespace": []byte("kcfg\n")})
	set, err := InCluster(envOf(map[string]string{"KUBERNETES_SERVICE_HOST": u.Hostname(), "KUBERNETES_SERVICE_PORT": u.Port()}), dir)
	if err != nil {
		t.Fatal(err)
	}
	if set.Context() != InClusterContext {
		t.Errorf("context %q, want %q", set.Context(), InClusterContext)
	}
	disc, err := set.Discovery()
	if err != nil {
		t.Fatal(err)
	}
	v, err := disc.ServerVersion()
	if err != nil {
		t.Fatal(err)
	}
	mu.Lock()
	auth := gotAuth
	mu.Unlock()
	if v.GitVersion != "v1.37.2" || auth != "Bearer sa-token" {
		t.Errorf("version %q with Authorization %q, want v1.37.2 with Bearer sa-token", v.GitVersion, auth)
	}

	// Another CA: the server's certificate is refused.
	other := serviceAccount(t, map[string][]byte{"token": []byte("sa-token"), "ca.crt": newCA(t, "other").PEM})
	set, err = InCluster(envOf(map[string]string{"KUBERNETES_SERVICE_HOST": u.Hostname(), "KUBERNETES_SERVICE_PORT": u.Port()}), other)
	if err != nil {
		t.Fatal(err)
	}
	disc, err = set.Discovery()
	if err != nil {
		t.Fatal(err)
	}
	if _, err := disc.ServerVersion(); err == nil || !strings.Contains(err.Error(), "certificate") {
		t.Errorf("error %v, want a certificate error", err)
	}
}

func TestInClusterNamespace(t *testing.T) {
	tests := []struct {
		name  string
		env   map[string]string
		files map[string][]byte
		want  string
	}{
		{"file", nil, map[string][]byte{"namespace": []byte("kcfg\n")}, "kcfg"},
		{"POD_NAMESPACE first", map[string]string{"POD_NAMESPACE": "shop"}, map[string][]byte{"namespace": []byte("kcfg")}, "shop"},
		{"no file", nil, nil, "default"},
		{"empty file", nil, map[string][]byte{"namespace": []byte(" \n")}, "default"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			if got := InClusterNamespace(envOf(tt.env), serviceAccount(t, tt.files)); got != tt.want {
				t.Errorf("namespace %q, want %q", got, tt.want)
			}
		})
	}
}
