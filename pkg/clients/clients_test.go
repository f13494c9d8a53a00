package clients

import (
	"errors"
	"io"
	"net"
	"net/http"
	"net/http/httptest"
	"net/url"
	"os"
	"path/filepath"
	"reflect"
	"strings"
	"sync"
	"testing"
	"time"

	clientcmdapi "k8s.io/client-go/tools/clientcmd/api"

	"github.com/kcfg-dev/kcfg/internal/testcert"
	kcfgconfig "github.com/kcfg-dev/kcfg/pkg/kubeconfig"
)

func TestRESTConfig(t *testing.T) {
	dir := t.TempDir()
	ca := newCA(t, "kcfg-test-ca")
	client := ca.Issue(t, testcert.Options{CommonName: "bob", NotBefore: time.Now().Add(-time.Hour), NotAfter: time.Now().Add(time.Hour)})
	file := func(name string, data []byte) string {
		p := filepath.Join(dir, name)
		if err := os.WriteFile(p, data, 0o600); err != nil {
			t.Fatal(err)
		}
		return p
	}
	tokenFile, crt, key, caFile := file("token", []byte("tok\n")), file("c.crt", client.PEM), file("c.key", client.Key.PEM), file("ca.crt", ca.PEM)
	base := func() *clientcmdapi.Config {
		return kubeconfig(entry{name: "c", server: "https://127.0.0.1:6443"})
	}
	tests := []struct {
		name string
		edit func(*clientcmdapi.Cluster, *clientcmdapi.AuthInfo)
		want map[string]any
	}{
		{name: "token", edit: func(_ *clientcmdapi.Cluster, u *clientcmdapi.AuthInfo) { u.Token = "tok" },
			want: map[string]any{"BearerToken": "tok"}},
		{name: "token file", edit: func(_ *clientcmdapi.Cluster, u *clientcmdapi.AuthInfo) { u.TokenFile = tokenFile },
			want: map[string]any{"BearerTokenFile": tokenFile}},
		{name: "client certificate", edit: func(_ *clientcmdapi.Cluster, u *clientcmdapi.AuthInfo) {
			u.ClientCertificate, u.ClientKey = crt, key
		}, want: map[string]any{"CertFile": crt, "KeyFile": key}},
		{name: "ca file, tls-server-name", edit: func(c *clientcmdapi.Cluster, _ *clientcmdapi.AuthInfo) {
			c.CertificateAuthority, c.TLSServerName = caFile, "api.example"
		}, want: map[string]any{"CAFile": caFile, "ServerName": "api.example"}},
		{name: "insecure", edit: func(c *clientcmdapi.Cluster, _ *clientcmdapi.AuthInfo) { c.InsecureSkipTLSVerify = true },
			want: map[string]any{"Insecure": true}},
		{name: "exec", edit: func(_ *clientcmdapi.Cluster, u *clientcmdapi.AuthInfo) {
			u.Exec = &clientcmdapi.ExecConfig{APIVersion: "client.authentication.k8s.io/v1", Command: "creds", InteractiveMode: clientcmdapi.NeverExecInteractiveMode}
		}, want: map[string]any{"ExecCommand": "creds"}},
		{name: "auth-provider", edit: func(_ *clientcmdapi.Cluster, u *clientcmdapi.AuthInfo) {
			u.AuthProvider = &clientcmdapi.AuthProviderConfig{Name: "oidc", Config: map[string]string{"idp-issuer-url": "https://127.0.0.1:1"}}
		}, want: map[string]any{"AuthProvider": "oidc"}},
		{name: "proxy-url", edit: func(c *clientcmdapi.Cluster, _ *clientcmdapi.AuthInfo) { c.ProxyURL = "http://127.0.0.1:3128" },
			want: map[string]any{"Proxy": "http://127.0.0.1:3128"}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			cfg := base()
			tt.edit(cfg.Clusters["c"], cfg.AuthInfos["c"])
			before := cfg.DeepCopy()
			rc, err := RESTConfig(cfg, "c")
			if err != nil {
				t.Fatal(err)
			}
			if !reflect.DeepEqual(before, cfg) {
				t.Error("RESTConfig changed the config passed in")
			}
			got := map[string]any{
				"BearerToken": rc.BearerToken, "BearerTokenFile": rc.BearerTokenFile,
				"CertFile": rc.CertFile, "KeyFile": rc.KeyFile, "CAFile": rc.CAFile,
				"ServerName": rc.ServerName, "Insecure": rc.Insecure,
			}
			if rc.ExecProvider != nil {
				got["ExecCommand"] = rc.ExecProvider.Command
			}
			if rc.AuthProvider != nil {
				got["AuthProvider"] = rc.AuthProvider.Name
			}
			if rc.Proxy != nil {
				u, err := rc.Proxy(&http.Request{URL: &url.URL{Scheme: "https", Host: "127.0.0.1:6443"}})
				if err != nil {
					t.Fatal(err)
				}
				got["Proxy"] = u.String()
			}
			for k, v := range tt.want {
				if got[k] != v {
					t.Errorf("%s = %v, want %v", k, got[k], v)
				}
			}
			if rc.Host != "https://127.0.0.1:6443" {
				t.Errorf("host %q", rc.Host)
			}
		})
	}
	if _, err := RESTConfig(base(), "nope"); err == nil || !strings.Contains(err.Error(), `"nope"`) {
		t.Errorf("unknown context: %v", err)
	}
}

func TestSetIsLazyAndCopies(t *testing.T) {
	ca := newCA(t, "kcfg-test-ca")
	srv := tlsServer(t, &fakeAPI{}, localhost(t, ca))
	cfg := kubeconfig(entry{name: "c", server: srv.URL, ca: ca.PEM, token: "t"})
	set, err := ForContext(cfg, "c")
	if err != nil {
		t.Fatal(err)
	}
	// Config returns a copy: changing it changes nothing in the set.
	c := set.Config()
	c.Host = "https://127.0.0.1:1"
	if set.Config().Host != srv.URL {
		t.Error("changing Config()'s result changed the set")
	}
	rc := set.Config()
	copied := New("c", rc)
	rc.BearerToken = "changed"
	if copied.Config().BearerToken != "t" {
		t.Error("New does not copy the config passed in")
	}
	h1, err := set.HTTPClient()
	if err != nil {
		t.Fatal(err)
	}
	h2, _ := set.HTTPClient()
	if h1 != h2 {
		t.Error("HTTPClient built twice")
	}
	if _, err := set.Dynamic(); err != nil {
		t.Fatal(err)
	}
	if _, err := set.RESTMapper(); err != nil {
		t.Fatal(err)
	}
	id, err := set.WhoAmI(t.Context())
	if err != nil || id.Username != "alice" {
		t.Fatalf("WhoAmI: %+v, %v", id, err)
	}
	v, rtt, err := set.ServerVersion(t.Context())
	if err != nil || v != "v1.37.2" || rtt <= 0 {
		t.Fatalf("ServerVersion: %q %v %v", v, rtt, err)
	}
}

// connectProxy is an HTTP CONNECT proxy on 127.0.0.1 that counts tunnels.
type connectProxy struct {
	mu      sync.Mutex
	tunnels []string
}

func (p *connectProxy) ServeHTTP(w http.ResponseWriter, r *http.Request) {
	if r.Method != http.MethodConnect {
		http.Error(w, "CONNECT only", http.StatusMethodNotAllowed)
		return
	}
	p.mu.Lock()
	p.tunnels = append(p.tunnels, r.Host)
	p.mu.Unlock()
	upstream, err := net.DialTimeout("tcp", r.Host, time.Second)
	if err != nil {
		http.Error(w, err.Error(), http.StatusBadGateway)
		return
	}
	hj, ok := w.(http.Hijacker)
	if !ok {
		upstream.Close()
		return
	}
	w.WriteHeader(http.StatusOK)
	conn, rw, err := hj.Hijack()
	if err != nil {
		upstream.Close()
		return
	}
	if n := rw.Reader.Buffered(); n > 0 {
		buf, _ := rw.Reader.Peek(n)
		upstream.Write(buf)
	}
	go func() { io.Copy(upstream, conn); upstream.Close() }()
	go func() { io.Copy(conn, upstream); conn.Close() }()
}

// TestCheckThroughProxy: with proxy-url, the check goes through the proxy,
// as kubectl does, and still verifies the server's certificate.
func TestCheckThroughProxy(t *testing.T) {
	ca := newCA(t, "kcfg-test-ca")
	srv := tlsServer(t, &fakeAPI{}, localhost(t, ca))
	proxy := &connectProxy{}
	ps := httptest.NewServer(proxy)
	t.Cleanup(ps.Close)
	cfg := kubeconfig(entry{name: "ok", server: srv.URL, ca: ca.PEM, token: "t"},
		entry{name: "bad-ca", server: srv.URL, ca: newCA(t, "other").PEM, token: "t"})
	for _, c := range cfg.Clusters {
		c.ProxyURL = ps.URL
	}
	rs := Check(t.Context(), cfg, []string{"ok", "bad-ca"}, CheckOptions{Timeout: 2 * time.Second})
	if rs[0].Status != StatusOK || rs[0].Identity == nil || rs[0].Identity.Username != "alice" {
		t.Errorf("through the proxy: %s %s %+v", rs[0].Status, rs[0].Message, rs[0].Identity)
	}
	if rs[1].Status != StatusTLSError || rs[1].Reason != ReasonUnknownAuthority {
		t.Errorf("wrong CA through the proxy: %s %s", rs[1].Status, rs[1].Reason)
	}
	proxy.mu.Lock()
	defer proxy.mu.Unlock()
	srvHost := strings.TrimPrefix(srv.URL, "https://")
	if len(proxy.tunnels) < 2 || proxy.tunnels[0] != srvHost {
		t.Errorf("tunnels %v, want two or more to %s", proxy.tunnels, srvHost)
	}
}

// TestRESTConfigUnusableEntries: a context whose cluster or user is not
// defined, or whose cluster has no server, gets an error naming the context, the cluster and the
// field, not clientcmd's advice about KUBERNETES_MASTER.
func TestRESTConfigUnusableEntries(t *testing.T) {
	tests := []struct {
		name    string
		edit    func(*clientcmdapi.Config)
		wantIs  error
		mention []string
	}{
		{name: "missing cluster", edit: func(c *clientcmdapi.Config) {
			c.Contexts["c"].Cluster = "gone"
			c.Contexts["c"].LocationOfOrigin = "/tmp/kc.yaml"
		}, wantIs: kcfgconfig.ErrMissingReference, mention: []string{`context "c"`, `cluster "gone"`, "context.cluster", "/tmp/kc.yaml"}},
		{name: "no cluster named", edit: func(c *clientcmdapi.Config) { c.Contexts["c"].Cluster = "" },
			wantIs: kcfgconfig.ErrMissingReference, mention: []string{`context "c"`, "context.cluster"}},
		{name: "missing user", edit: func(c *clientcmdapi.Config) { c.Contexts["c"].AuthInfo = "ghost" },
			wantIs: kcfgconfig.ErrMissingReference, mention: []string{`context "c"`, `user "ghost"`, "context.user"}},
		{name: "cluster without server", edit: func(c *clientcmdapi.Config) { c.Clusters["c"].Server = "" },
			mention: []string{`context "c"`, `cluster "c"`, "cluster.server"}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			cfg := kubeconfig(entry{name: "c", server: "https://127.0.0.1:6443"})
			tt.edit(cfg)
			_, err := RESTConfig(cfg, "c")
			if err == nil {
				t.Fatal("no error")
			}
			if tt.wantIs != nil && !errors.Is(err, tt.wantIs) {
				t.Errorf("error %v is not %v", err, tt.wantIs)
			}
			for _, m := range tt.mention {
				if !strings.Contains(err.Error(), m) {
					t.Errorf("error %q does not mention %s", err, m)
				}
			}
			if strings.Contains(err.Error(), "KUBERNETES_MASTER") {
				t.Errorf("error %q gives clientcmd's advice", err)
			}
		})
	}
}
