package clients

import (
	"context"
	"crypto/tls"
	"crypto/x509"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"log"
	"net"
	"net/http"
	"net/http/httptest"
	"net/url"
	"os"
	"strings"
	"sync"
	"syscall"
	"testing"
	"time"

	clientcmdapi "k8s.io/client-go/tools/clientcmd/api"

	"github.com/kcfg-dev/kcfg/internal/testcert"
	"github.com/kcfg-dev/kcfg/internal/testnet"
)

// fakeAPI answers the three requests a check makes with the status codes
// it is given (0 = success). It stands in for API servers that envtest
// cannot start: ones without SelfSubjectReview, or that refuse it.
type fakeAPI struct {
	ssr, ssar, version int
	// requests counts requests by path.
	mu       sync.Mutex
	requests map[string]int
}

func (f *fakeAPI) ServeHTTP(w http.ResponseWriter, r *http.Request) {
	f.mu.Lock()
	if f.requests == nil {
		f.requests = map[string]int{}
	}
	f.requests[r.URL.Path]++
	f.mu.Unlock()
	w.Header().Set("Content-Type", "application/json")
	var code int
	var body string
	switch r.URL.Path {
	case "/apis/authentication.k8s.io/v1/selfsubjectreviews":
		code, body = f.ssr, `{"apiVersion":"authentication.k8s.io/v1","kind":"SelfSubjectReview","status":{"userInfo":{"username":"alice","uid":"u-1","groups":["dev","system:authenticated"]}}}`
	case "/apis/authorization.k8s.io/v1/selfsubjectaccessreviews":
		code, body = f.ssar, `{"apiVersion":"authorization.k8s.io/v1","kind":"SelfSubjectAccessReview","status":{"allowed":true}}`
	case "/version":
		code, body = f.version, `{"major":"1","minor":"37","gitVersion":"v1.37.2"}`
	default:
		code = http.StatusNotFound
	}
	if code == 0 {
		if r.Method == http.MethodPost {
			w.WriteHeader(http.StatusCreated)
		}
		fmt.Fprint(w, body)
		return
	}
	reasons := map[int]string{401: "Unauthorized", 403: "Forbidden", 404: "NotFound"}
	w.WriteHeader(code)
	fmt.Fprintf(w, `{"apiVersion":"v1","kind":"Status","status":"Failure","message":"refused","reason":%q,"code":%d}`, reasons[code], code)
}

func newCA(t *testing.T, cn string) *testcert.Cert {
	return testcert.NewCA(t, cn, time.Now().Add(-time.Hour), time.Now().Add(24*time.Hour))
}

func localhost(t *testing.T, ca *testcert.Cert) tls.Certificate {
	return testcert.Localhost(t, ca).TLSCertificate(t)
}

// tlsServer starts an HTTPS server on 127.0.0.1 with cert.
func tlsServer(t *testing.T, h http.Handler, cert tls.Certificate) *httptest.Server {
	t.Helper()
	s := httptest.NewUnstartedServer(h)
	s.TLS = &tls.Config{Certificates: []tls.Certificate{cert}}
	s.Config.ErrorLog = log.New(io.Discard, "", 0)
	s.StartTLS()
	t.Cleanup(s.Close)
	return s
}

// entry is one context of a kubeconfig built for a test.
type entry struct {
	name, server string
	ca           []byte
	token        string
	exec         *clientcmdapi.ExecConfig
	serverName   string
}

func kubeconfig(entries ...entry) *clientcmdapi.Config {
	cfg := clientcmdapi.NewConfig()
	for _, e := range entries {
		cl := clientcmdapi.NewCluster()
		cl.Server, cl.CertificateAuthorityData, cl.TLSServerName = e.server, e.ca, e.serverName
		u := clientcmdapi.NewAuthInfo()
		u.Token, u.Exec = e.token, e.exec
		cfg.Clusters[e.name] = cl
		cfg.AuthInfos[e.name] = u
		cfg.Contexts[e.name] = &clientcmdapi.Context{Cluster: e.name, AuthInfo: e.name}
	}
	return cfg
}

func TestCheckStatuses(t *testing.T) {
	ca := newCA(t, "kcfg-test-ca")
	otherCA := newCA(t, "some-other-ca")
	ok := tlsServer(t, &fakeAPI{}, localhost(t, ca))
	server := func(cn string, notBefore, notAfter time.Time, names []string, ips []net.IP) tls.Certificate {
		return ca.Issue(t, testcert.Options{CommonName: cn, NotBefore: notBefore, NotAfter: notAfter,
			DNSNames: names, IPs: ips, Server: true}).TLSCertificate(t)
	}
	loopback := []net.IP{net.IPv4(127, 0, 0, 1)}
	now := time.Now()
	expired := tlsServer(t, &fakeAPI{}, server("old-server", now.Add(-48*time.Hour), now.Add(-24*time.Hour), nil, loopback))
	future := tlsServer(t, &fakeAPI{}, server("new-server", now.Add(24*time.Hour), now.Add(48*time.Hour), nil, loopback))
	mismatch := tlsServer(t, &fakeAPI{}, server("elsewhere", now.Add(-time.Hour), now.Add(time.Hour), []string{"elsewhere.example"}, nil))
	plain := httptest.NewServer(&fakeAPI{})
	t.Cleanup(plain.Close)
	noSSR := tlsServer(t, &fakeAPI{ssr: 404}, localhost(t, ca))
	noReviews := tlsServer(t, &fakeAPI{ssr: 404, ssar: 404}, localhost(t, ca))
	rejects := tlsServer(t, &fakeAPI{ssr: 401, ssar: 401, version: 401}, localhost(t, ca))
	refusesSSR := tlsServer(t, &fakeAPI{ssr: 403}, localhost(t, ca))
	noSSRRefusesSSAR := tlsServer(t, &fakeAPI{ssr: 404, ssar: 403}, localhost(t, ca))

	tests := []struct {
		name    string
		e       entry
		status  Status
		reason  Reason
		phase   Phase
		source  IdentitySource
		user    string
		version string
		message string // a part of the message
	}{
		{name: "ok", e: entry{server: ok.URL, ca: ca.PEM, token: "t"}, status: StatusOK, source: FromSelfSubjectReview, user: "alice", version: "v1.37.2"},
		{name: "no selfsubjectreview", e: entry{server: noSSR.URL, ca: ca.PEM, token: "t"}, status: StatusOK, source: FromSelfSubjectAccessReview, version: "v1.37.2"},
		{name: "no reviews at all", e: entry{server: noReviews.URL, ca: ca.PEM, token: "t"}, status: StatusOK, source: FromVersionOnly, version: "v1.37.2"},
		{name: "credentials rejected", e: entry{server: rejects.URL, ca: ca.PEM, token: "bad"}, status: StatusUnauthorized, reason: ReasonUnauthorized, phase: PhaseAuthentication},
		{name: "selfsubjectreview refused", e: entry{server: refusesSSR.URL, ca: ca.PEM, token: "t"}, status: StatusForbidden, reason: ReasonForbidden, phase: PhaseAuthentication, version: "v1.37.2"},
		{name: "access review refused", e: entry{server: noSSRRefusesSSAR.URL, ca: ca.PEM, token: "t"}, status: StatusForbidden, reason: ReasonForbidden, phase: PhaseAuthentication, version: "v1.37.2"},
		{name: "unknown authority", e: entry{server: ok.URL, ca: otherCA.PEM, token: "t"}, status: StatusTLSError, reason: ReasonUnknownAuthority, phase: PhaseTLS, message: `unknown authority "CN=kcfg-test-ca"`},
		{name: "expired", e: entry{server: expired.URL, ca: ca.PEM, token: "t"}, status: StatusTLSError, reason: ReasonCertificateExpired, phase: PhaseTLS, message: `"CN=old-server" expired on`},
		{name: "not yet valid", e: entry{server: future.URL, ca: ca.PEM, token: "t"}, status: StatusTLSError, reason: ReasonCertificateNotYetValid, phase: PhaseTLS},
		{name: "name mismatch", e: entry{server: mismatch.URL, ca: ca.PEM, token: "t"}, status: StatusTLSError, reason: ReasonNameMismatch, phase: PhaseTLS},
		{name: "tls-server-name mismatch", e: entry{server: ok.URL, ca: ca.PEM, token: "t", serverName: "wrong.example"}, status: StatusTLSError, reason: ReasonNameMismatch, phase: PhaseTLS},
		{name: "not tls", e: entry{server: strings.Replace(plain.URL, "http:", "https:", 1), ca: ca.PEM, token: "t"}, status: StatusTLSError, reason: ReasonNotTLS, phase: PhaseTLS},
		{name: "plain http ok", e: entry{server: plain.URL, token: "t"}, status: StatusOK, source: FromSelfSubjectReview, user: "alice", version: "v1.37.2"},
		{name: "closed port", e: entry{server: "https://" + testnet.ClosedPort(t), ca: ca.PEM, token: "t"}, status: StatusUnreachable, reason: ReasonConnectionRefused, phase: PhaseConnect},
		{name: "silent server", e: entry{server: "https://" + testnet.SilentListener(t), ca: ca.PEM, token: "t"}, status: StatusTimeout, reason: ReasonDeadline, phase: PhaseTLS, message: "no answer within the time allowed (during tls)"},
		{name: "missing credential plugin", e: entry{server: ok.URL, ca: ca.PEM, exec: &clientcmdapi.ExecConfig{
			APIVersion: "client.authentication.k8s.io/v1", Command: "/nonexistent/kcfg-credential-plugin", InteractiveMode: clientcmdapi.NeverExecInteractiveMode}},
			status: StatusError, reason: ReasonConfig, phase: PhaseConfig, message: "kcfg-credential-plugin"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			tt.e.name = "ctx"
			cfg := kubeconfig(tt.e)
			before := cfg.DeepCopy()
			start := time.Now()
			rs := Check(t.Context(), cfg, []string{"ctx"}, CheckOptions{Timeout: time.Second})
			if len(rs) != 1 {
				t.Fatalf("got %d results, want 1", len(rs))
			}
			r := rs[0]
			if r.Status != tt.status || r.Reason != tt.reason || r.Phase != tt.phase {
				t.Fatalf("got status %q reason %q phase %q (%s; err %v), want %q %q %q",
					r.Status, r.Reason, r.Phase, r.Message, r.Err, tt.status, tt.reason, tt.phase)
			}
			if r.Context != "ctx" || r.Cluster != "ctx" || r.User != "ctx" || r.Server != tt.e.server {
				t.Errorf("names: got %q %q %q %q", r.Context, r.Cluster, r.User, r.Server)
			}
			if r.IdentitySource != tt.source {
				t.Errorf("identity source %q, want %q", r.IdentitySource, tt.source)
			}
			if tt.user != "" && (r.Identity == nil || r.Identity.Username != tt.user ||
				strings.Join(r.Identity.Groups, ",") != "dev,system:authenticated" || r.Identity.UID != "u-1") {
				t.Errorf("identity %+v, want %s in dev,system:authenticated", r.Identity, tt.user)
			}
			if tt.user == "" && r.Identity != nil {
				t.Errorf("identity %+v, want none", r.Identity)
			}
			if r.ServerVersion != tt.version {
				t.Errorf("server version %q, want %q", r.ServerVersion, tt.version)
			}
			if !strings.Contains(r.Message, tt.message) {
				t.Errorf("message %q does not contain %q", r.Message, tt.message)
			}
			if tt.status.Failed() != (r.Err != nil) {
				t.Errorf("status %s with err %v", r.Status, r.Err)
			}
			if tt.status == StatusOK && (r.Timings.Latency <= 0 || r.Timings.Authentication <= 0 || r.Address == "") {
				t.Errorf("ok without timings or address: %+v, %q", r.Timings, r.Address)
			}
			if tt.source == FromSelfSubjectAccessReview || tt.source == FromVersionOnly {
				if len(r.Notes) != 1 {
					t.Errorf("notes %q, want one saying what is not served", r.Notes)
				}
			}
			if elapsed := time.Since(start); elapsed > 3*time.Second {
				t.Errorf("check took %v with a 1s timeout", elapsed)
			}
			if strings.Contains(r.Message, "bad") || strings.Contains(fmt.Sprint(r), "Bearer") {
				t.Errorf("result shows the token: %+v", r)
			}
			if !equalConfig(before, cfg) {
				t.Error("Check changed the kubeconfig passed in")
			}
		})
	}
}

func equalConfig(a, b *clientcmdapi.Config) bool {
	return fmt.Sprintf("%#v", a.Clusters["ctx"]) == fmt.Sprintf("%#v", b.Clusters["ctx"]) &&
		fmt.Sprintf("%#v", a.AuthInfos["ctx"]) == fmt.Sprintf("%#v", b.AuthInfos["ctx"])
}

func TestCheckConfigErrors(t *testing.T) {
	cfg := clientcmdapi.NewConfig()
	cfg.Contexts["no-cluster"] = &clientcmdapi.Context{Cluster: "missing"}
	rs := Check(t.Context(), cfg, []string{"no-cluster", "no-such-context"}, CheckOptions{})
	for i, name := range []string{"no-cluster", "no-such-context"} {
		r := rs[i]
		if r.Context != name || r.Status != StatusError || r.Reason != ReasonConfig || r.Phase != PhaseConfig || r.Err == nil {
			t.Errorf("%s: got %+v, want a config error", name, r)
		}
		if !strings.Contains(r.Message, name) {
			t.Errorf("%s: message %q does not name the context", name, r.Message)
		}
	}
}

// TestCheckParallelTimeouts shows that hung servers cost one timeout, not
// one each, and that Parallel bounds how many run at once.
func TestCheckParallelTimeouts(t *testing.T) {
	const timeout = 400 * time.Millisecond
	var entries []entry
	var names []string
	for i := range 4 {
		name := fmt.Sprintf("hung-%d", i)
		entries = append(entries, entry{name: name, server: "https://" + testnet.SilentListener(t), token: "t"})
		names = append(names, name)
	}
	cfg := kubeconfig(entries...)
	for _, tt := range []struct {
		parallel int
		min, max time.Duration
	}{
		{parallel: 16, min: timeout, max: 2 * timeout},
		{parallel: 2, min: 2 * timeout, max: 3 * timeout},
		{parallel: 1, min: 4 * timeout, max: 5 * timeout},
	} {
		t.Run(fmt.Sprintf("parallel=%d", tt.parallel), func(t *testing.T) {
			var calls []int
			start := time.Now()
			rs := Check(t.Context(), cfg, names, CheckOptions{Timeout: timeout, Parallel: tt.parallel,
				Progress: func(done, total int, r Result) {
					calls = append(calls, done)
					if total != len(names) {
						t.Errorf("progress total %d", total)
					}
				}})
			elapsed := time.Since(start)
			if elapsed < tt.min || elapsed > tt.max {
				t.Errorf("took %v, want between %v and %v", elapsed, tt.min, tt.max)
			}
			for i, r := range rs {
				if r.Context != names[i] || r.Status != StatusTimeout {
					t.Errorf("result %d: %s %s, want %s timeout", i, r.Context, r.Status, names[i])
				}
			}
			if fmt.Sprint(calls) != "[1 2 3 4]" {
				t.Errorf("progress calls %v, want [1 2 3 4]", calls)
			}
		})
	}
}

// TestCheckHungCredentialPlugin: a credential plugin that never answers
// ignores the request's context; the check still ends on time.
func TestCheckHungCredentialPlugin(t *testing.T) {
	sleep, err := lookPath("sleep")
	if err != nil {
		t.Fatal(err)
	}
	ca := newCA(t, "kcfg-test-ca")
	srv := tlsServer(t, &fakeAPI{}, localhost(t, ca))
	cfg := kubeconfig(entry{name: "slow", server: srv.URL, ca: ca.PEM, exec: &clientcmdapi.ExecConfig{
		APIVersion: "client.authentication.k8s.io/v1", Command: sleep, Args: []string{"2"},
		InteractiveMode: clientcmdapi.NeverExecInteractiveMode}})
	start := time.Now()
	r := Check(t.Context(), cfg, []string{"slow"}, CheckOptions{Timeout: 300 * time.Millisecond})[0]
	if elapsed := time.Since(start); elapsed > time.Second {
		t.Errorf("took %v with a 300ms timeout", elapsed)
	}
	if r.Status != StatusTimeout || !errors.Is(r.Err, context.DeadlineExceeded) {
		t.Errorf("got %s (%v), want timeout", r.Status, r.Err)
	}
}

func lookPath(name string) (string, error) {
	for _, dir := range []string{"/bin", "/usr/bin"} {
		p := dir + "/" + name
		if _, err := os.Stat(p); err == nil {
			return p, nil
		}
	}
	return "", fmt.Errorf("%s not found", name)
}

// TestCheckCanceled: a canceled run returns a result for every context.
func TestCheckCanceled(t *testing.T) {
	ctx, cancel := context.WithCancel(t.Context())
	cancel()
	cfg := kubeconfig(entry{name: "a", server: "https://" + testnet.SilentListener(t)}, entry{name: "b", server: "https://" + testnet.SilentListener(t)})
	rs := Check(ctx, cfg, []string{"a", "b"}, CheckOptions{Parallel: 1})
	for _, r := range rs {
		if r.Status != StatusTimeout || r.Reason != ReasonCanceled {
			t.Errorf("%s: %s %s, want timeout canceled", r.Context, r.Status, r.Reason)
		}
	}
}

// TestCheckClientCertificateRejected: a server that requires a client
// certificate it trusts refuses one from another CA with a TLS alert.
func TestCheckClientCertificateRejected(t *testing.T) {
	ca := newCA(t, "kcfg-test-ca")
	clientCA := newCA(t, "client-ca")
	s := httptest.NewUnstartedServer(&fakeAPI{})
	pool := x509.NewCertPool()
	pool.AddCert(ca.Cert)
	s.TLS = &tls.Config{Certificates: []tls.Certificate{localhost(t, ca)}, ClientAuth: tls.RequireAndVerifyClientCert, ClientCAs: pool}
	s.Config.ErrorLog = log.New(io.Discard, "", 0)
	s.StartTLS()
	t.Cleanup(s.Close)
	bob := clientCA.Issue(t, testcert.Options{CommonName: "bob", NotBefore: time.Now().Add(-time.Hour), NotAfter: time.Now().Add(time.Hour)})
	cfg := kubeconfig(entry{name: "c", server: s.URL, ca: ca.PEM})
	cfg.AuthInfos["c"].ClientCertificateData, cfg.AuthInfos["c"].ClientKeyData = bob.PEM, bob.Key.PEM
	r := Check(t.Context(), cfg, []string{"c"}, CheckOptions{Timeout: 2 * time.Second})[0]
	if r.Status != StatusTLSError || r.Reason != ReasonClientCertificateRejected {
		t.Errorf("got %s %s (%s), want tls-error client-certificate-rejected", r.Status, r.Reason, r.Message)
	}
}

func TestClassify(t *testing.T) {
	wrapURL := func(err error) error { return &url.Error{Op: "Post", URL: "https://127.0.0.1:1", Err: err} }
	tests := []struct {
		name   string
		err    error
		status Status
		reason Reason
	}{
		{"nil", nil, StatusOK, ""},
		{"dns", wrapURL(&net.OpError{Op: "dial", Err: &net.DNSError{Err: "no such host", Name: "x.invalid", IsNotFound: true}}), StatusUnreachable, ReasonDNS},
		{"dns timeout", wrapURL(&net.DNSError{Err: "i/o timeout", Name: "x", IsTimeout: true}), StatusTimeout, ReasonDeadline},
		{"refused", wrapURL(&net.OpError{Op: "dial", Err: os.NewSyscallError("connect", syscall.ECONNREFUSED)}), StatusUnreachable, ReasonConnectionRefused},
		{"no route", wrapURL(&net.OpError{Op: "dial", Err: os.NewSyscallError("connect", syscall.EHOSTUNREACH)}), StatusUnreachable, ReasonNetwork},
		{"deadline", wrapURL(context.DeadlineExceeded), StatusTimeout, ReasonDeadline},
		{"canceled", wrapURL(context.Canceled), StatusTimeout, ReasonCanceled},
		{"unknown authority", wrapURL(&tls.CertificateVerificationError{Err: x509.UnknownAuthorityError{}}), StatusTLSError, ReasonUnknownAuthority},
		{"hostname", wrapURL(&tls.CertificateVerificationError{Err: x509.HostnameError{Host: "a"}}), StatusTLSError, ReasonNameMismatch},
		{"other invalid", wrapURL(&tls.CertificateVerificationError{Err: x509.CertificateInvalidError{Reason: x509.NotAuthorizedToSign}}), StatusTLSError, ReasonCertificateInvalid},
		{"alert", wrapURL(tls.AlertError(40)), StatusTLSError, ReasonHandshakeFailed},
		{"record header", wrapURL(tls.RecordHeaderError{Msg: "first record does not look like a TLS handshake"}), StatusTLSError, ReasonNotTLS},
		{"other", errors.New("getting credentials: exec: boom"), StatusError, ReasonRequest},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			st, reason := Classify(tt.err)
			if st != tt.status || reason != tt.reason {
				t.Errorf("Classify(%v) = %s, %s; want %s, %s", tt.err, st, reason, tt.status, tt.reason)
			}
		})
	}
}

func TestTimingsJSON(t *testing.T) {
	in := Timings{Connect: 1200 * time.Microsecond, TLS: 4 * time.Millisecond, Latency: 2500 * time.Microsecond, Total: 31 * time.Millisecond}
	data, err := json.Marshal(in)
	if err != nil {
		t.Fatal(err)
	}
	if want := `{"connect":"1.2ms","tls":"4ms","latency":"2.5ms","total":"31ms"}`; string(data) != want {
		t.Errorf("got %s, want %s", data, want)
	}
	var out Timings
	if err := json.Unmarshal(data, &out); err != nil {
		t.Fatal(err)
	}
	if out != in {
		t.Errorf("round trip gave %+v, want %+v", out, in)
	}
	if err := json.Unmarshal([]byte(`{"total":"soon"}`), &out); err == nil {
		t.Error("a bad duration was accepted")
	}
}
