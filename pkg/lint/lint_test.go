package lint_test

import (
	"encoding/pem"
	"os"
	"path/filepath"
	"slices"
	"strings"
	"testing"
	"time"

	"k8s.io/client-go/tools/clientcmd"
	clientcmdapi "k8s.io/client-go/tools/clientcmd/api"

	"github.com/kcfg-dev/kcfg/internal/testcert"
	"github.com/kcfg-dev/kcfg/pkg/certs"
	"github.com/kcfg-dev/kcfg/pkg/kubeconfig"
	"github.com/kcfg-dev/kcfg/pkg/lint"
)

var now = time.Date(2026, 12, 3, 0, 0, 0, 0, time.UTC)

const day = certs.Day

// env is one test's kubeconfig: a good config (cluster c1 with an embedded
// CA, user u1 with a client certificate and key that CA signed, context
// ctx1, current-context ctx1) that a case changes before it is written.
type env struct {
	t      *testing.T
	dir    string
	ca     *testcert.Cert
	cfg    *clientcmdapi.Config
	text   string      // written instead of cfg when set
	mode   os.FileMode // of the config file, 0600 by default
	extra  []string    // more files to check, after the config
	paths  []string    // the files to check, instead of config and extra
	window time.Duration
}

func newEnv(t *testing.T) *env {
	t.Helper()
	e := &env{t: t, dir: t.TempDir(), mode: 0o600, window: lint.DefaultExpiryWindow}
	e.ca = testcert.NewCA(t, "test-ca", now.AddDate(-1, 0, 0), now.AddDate(5, 0, 0))
	e.cfg = clientcmdapi.NewConfig()
	e.cfg.Clusters["c1"] = &clientcmdapi.Cluster{Server: "https://127.0.0.1:6443", CertificateAuthorityData: e.ca.PEM}
	e.cfg.AuthInfos["u1"] = &clientcmdapi.AuthInfo{}
	e.cfg.Contexts["ctx1"] = &clientcmdapi.Context{Cluster: "c1", AuthInfo: "u1"}
	e.cfg.CurrentContext = "ctx1"
	e.client(testcert.Options{CommonName: "alice", Organization: []string{"dev"},
		NotBefore: now.AddDate(-1, 0, 0), NotAfter: now.AddDate(1, 0, 0)})
	return e
}

// client gives u1 a certificate issued by the env's CA, and its key.
func (e *env) client(o testcert.Options) *testcert.Cert {
	c := e.ca.Issue(e.t, o)
	u := e.cfg.AuthInfos["u1"]
	u.ClientCertificateData, u.ClientKeyData = c.PEM, c.Key.PEM
	return c
}

func (e *env) user() *clientcmdapi.AuthInfo   { return e.cfg.AuthInfos["u1"] }
func (e *env) cluster() *clientcmdapi.Cluster { return e.cfg.Clusters["c1"] }

// file writes a file in the env's folder, mode 0600, and returns its path.
func (e *env) file(name string, data []byte) string {
	e.t.Helper()
	p := filepath.Join(e.dir, name)
	if err := os.WriteFile(p, data, 0o600); err != nil {
		e.t.Fatal(err)
	}
	return p
}

func (e *env) kubeconfig(name string, cfg *clientcmdapi.Config) string {
	e.t.Helper()
	data, err := clientcmd.Write(*cfg)
	if err != nil {
		e.t.Fatal(err)
	}
	return e.file(name, data)
}

func (e *env) files() []*kubeconfig.File {
	e.t.Helper()
	paths := e.paths
	if paths == nil {
		var p string
		if e.text != "" {
			p = e.file("config", []byte(e.text))
		} else {
			p = e.kubeconfig("config", e.cfg)
		}
		if err := os.Chmod(p, e.mode); err != nil {
			e.t.Fatal(err)
		}
		paths = append([]string{p}, e.extra...)
	}
	return kubeconfig.ReadFiles(paths, true)
}

func (e *env) lint() *lint.Report {
	return lint.Lint(e.files(), lint.Options{Now: now, ExpiryWindow: e.window})
}

func (e *env) audit() *lint.Report { return lint.Audit(e.files()) }

func findings(r *lint.Report, rule string) []lint.Finding {
	var out []lint.Finding
	for _, f := range r.Findings {
		if f.Rule == rule {
			out = append(out, f)
		}
	}
	return out
}

func severityOf(t *testing.T, rule string) lint.Severity {
	for _, r := range lint.Rules() {
		if r.ID == rule {
			return r.Severity
		}
	}
	t.Fatalf("rule %s is not in the catalogue", rule)
	return ""
}

type ruleCase struct {
	rule string
	name string
	fire func(e *env)
	// quiet is a near miss that must not fire; nil means the good config.
	quiet func(e *env)
	// line: the finding must carry a line number.
	line bool
	// want is a text the message must contain.
	want string
}

func lintCases() []ruleCase {
	return []ruleCase{
		{rule: lint.RuleFileUnreadable, fire: func(e *env) { e.paths = []string{filepath.Join(e.dir, "missing.yaml")} }},
		{rule: lint.RuleFileInvalid, line: true, fire: func(e *env) { e.text = "apiVersion: v1\nkind: Pod\n" },
			quiet: func(e *env) { e.text = "apiVersion: v1\nkind: Config\n" }},
		{rule: lint.RuleFileInvalid, name: "not YAML", fire: func(e *env) { e.text = "clusters: [\n" }},
		{rule: lint.RuleFileMode, want: "0644", fire: func(e *env) { e.mode = 0o644 }, quiet: func(e *env) { e.mode = 0o600 }},
		{rule: lint.RuleFileMode, name: "group readable", want: "0640", fire: func(e *env) { e.mode = 0o640 }, quiet: func(e *env) { e.mode = 0o400 }},
		{rule: lint.RuleBase64Invalid, line: true, fire: func(e *env) {
			e.text = "clusters:\n- name: c1\n  cluster:\n    server: https://127.0.0.1:1\n    certificate-authority-data: '!!!'\n"
		}},
		{rule: lint.RuleNameDuplicate, line: true, fire: func(e *env) {
			e.text = "users:\n- name: u1\n  user: {token: a}\n- name: u1\n  user: {token: b}\n"
		}},
		{rule: lint.RuleNameShadowed, line: true, want: "which comes first", fire: func(e *env) {
			other := clientcmdapi.NewConfig()
			other.Clusters["c1"] = &clientcmdapi.Cluster{Server: "https://127.0.0.1:7443"}
			e.extra = []string{e.kubeconfig("second", other)}
		}, quiet: func(e *env) {
			other := clientcmdapi.NewConfig()
			other.Clusters["c2"] = &clientcmdapi.Cluster{Server: "https://127.0.0.1:7443"}
			e.extra = []string{e.kubeconfig("second", other)}
		}},
		{rule: lint.RuleCurrentContextUnset, want: `"ctx1"`, fire: func(e *env) { e.cfg.CurrentContext = "" }},
		{rule: lint.RuleCurrentContextMissing, line: true, want: `"gone"`, fire: func(e *env) { e.cfg.CurrentContext = "gone" }},
		{rule: lint.RuleContextMissingCluster, line: true, want: `"gone"`, fire: func(e *env) { e.cfg.Contexts["ctx1"].Cluster = "gone" }},
		{rule: lint.RuleContextMissingCluster, name: "unset", line: true, want: "names no cluster", fire: func(e *env) { e.cfg.Contexts["ctx1"].Cluster = "" }},
		{rule: lint.RuleContextMissingUser, line: true, want: `"gone"`, fire: func(e *env) { e.cfg.Contexts["ctx1"].AuthInfo = "gone" },
			quiet: func(e *env) { e.cfg.Contexts["ctx1"].AuthInfo = "" }},
		{rule: lint.RuleServerInvalid, line: true, fire: func(e *env) { e.cluster().Server = "https://[::1" }},
		{rule: lint.RuleServerInvalid, name: "unset", line: true, want: "no server", fire: func(e *env) { e.cluster().Server = "" }},
		{rule: lint.RuleServerInvalid, name: "scheme", line: true, want: "ftp", fire: func(e *env) { e.cluster().Server = "ftp://127.0.0.1" }},
		{rule: lint.RuleServerNotHTTPS, line: true, want: "plain http", fire: func(e *env) { e.cluster().Server = "http://127.0.0.1:8080" },
			quiet: func(e *env) { e.cluster().Server = "HTTPS://127.0.0.1:6443" }},
		{rule: lint.RuleServerNotHTTPS, name: "no scheme", line: true, want: "no scheme", fire: func(e *env) { e.cluster().Server = "127.0.0.1:6443" }},
		// A password in the server URL is never shown.
		{rule: lint.RuleServerInvalid, name: "scheme with password", line: true, want: "ftp://admin:xxxxx@127.0.0.1",
			fire: func(e *env) { e.cluster().Server = "ftp://admin:hunter2@127.0.0.1" }},
		{rule: lint.RuleServerInvalid, name: "no host with password", line: true, want: "no host",
			fire: func(e *env) { e.cluster().Server = "https://admin:hunter2@/api" }},
		{rule: lint.RuleServerNotHTTPS, name: "no scheme with password", line: true, want: "admin:xxxxx@127.0.0.1:6443",
			fire: func(e *env) { e.cluster().Server = "admin:hunter2@127.0.0.1:6443" }},
		{rule: lint.RuleServerInvalid, name: "not a URL with password", line: true, want: "admin:xxxxx@[::1",
			fire: func(e *env) { e.cluster().Server = "admin:hunter2@[::1" }},
		{rule: lint.RuleProxyURLInvalid, line: true, fire: func(e *env) { e.cluster().ProxyURL = "ftp://127.0.0.1:21" },
			quiet: func(e *env) { e.cluster().ProxyURL = "socks5://127.0.0.1:1080" }},
		{rule: lint.RuleInsecureSkipTLSVerify, line: true, fire: func(e *env) {
			e.cluster().InsecureSkipTLSVerify, e.cluster().CertificateAuthorityData = true, nil
		}, quiet: func(e *env) { e.cluster().InsecureSkipTLSVerify = true }},
		{rule: lint.RuleInsecureWithCA, line: true, fire: func(e *env) { e.cluster().InsecureSkipTLSVerify = true },
			quiet: func(e *env) { e.cluster().InsecureSkipTLSVerify, e.cluster().CertificateAuthorityData = true, nil }},
		{rule: lint.RuleDataAndFile, line: true, want: "certificate-authority", fire: func(e *env) {
			e.cluster().CertificateAuthority = e.file("ca.crt", e.ca.PEM)
		}, quiet: func(e *env) {
			e.cluster().CertificateAuthority, e.cluster().CertificateAuthorityData = e.file("ca.crt", e.ca.PEM), nil
		}},
		{rule: lint.RuleDataAndFile, name: "client certificate", line: true, want: "client-certificate-data and client-certificate",
			fire: func(e *env) { e.user().ClientCertificate = e.file("u1.crt", e.user().ClientCertificateData) }},
		{rule: lint.RuleDataAndFile, name: "client key", line: true, want: "client-key-data and client-key",
			fire: func(e *env) { e.user().ClientKey = e.file("u1.key", e.user().ClientKeyData) }},
		{rule: lint.RuleFileRefUnreadable, line: true, want: "missing.key", fire: func(e *env) {
			e.user().ClientKey, e.user().ClientKeyData = "missing.key", nil
		}, quiet: func(e *env) {
			// A relative path is read from the kubeconfig file's folder.
			e.file("u1.key", e.user().ClientKeyData)
			e.user().ClientKey, e.user().ClientKeyData = "u1.key", nil
		}},
		{rule: lint.RuleFileRefUnreadable, name: "token file", line: true, want: "tokenFile", fire: func(e *env) {
			*e.user() = clientcmdapi.AuthInfo{TokenFile: "token"}
		}, quiet: func(e *env) {
			e.file("token", []byte("abc"))
			*e.user() = clientcmdapi.AuthInfo{TokenFile: "token"}
		}},
		{rule: lint.RuleFileRefUnreadable, name: "CA is a directory", line: true, want: "is a directory", fire: func(e *env) {
			e.cluster().CertificateAuthority, e.cluster().CertificateAuthorityData = e.dir, nil
		}},
		{rule: lint.RulePEMInvalid, line: true, want: "certificate-authority-data", fire: func(e *env) { e.cluster().CertificateAuthorityData = []byte("not PEM") }},
		{rule: lint.RulePEMInvalid, name: "client certificate", line: true, want: "client-certificate-data",
			fire: func(e *env) { e.user().ClientCertificateData = e.user().ClientKeyData }},
		{rule: lint.RulePEMInvalid, name: "client key", line: true, want: "client-key-data",
			fire: func(e *env) { e.user().ClientKeyData = e.user().ClientCertificateData }},
		{rule: lint.RuleCACertExpired, line: true, want: "CN=old-ca", fire: func(e *env) {
			e.ca = testcert.NewCA(e.t, "old-ca", now.AddDate(-3, 0, 0), now.Add(-day))
			e.cluster().CertificateAuthorityData = e.ca.PEM
			e.client(testcert.Options{CommonName: "alice", NotBefore: now.AddDate(-2, 0, 0), NotAfter: now.AddDate(1, 0, 0)})
		}},
		{rule: lint.RuleCACertExpiring, line: true, want: "in 10 days", fire: func(e *env) {
			e.ca = testcert.NewCA(e.t, "short-ca", now.AddDate(-3, 0, 0), now.Add(10*day+time.Hour))
			e.cluster().CertificateAuthorityData = e.ca.PEM
		}, quiet: func(e *env) {
			e.ca = testcert.NewCA(e.t, "short-ca", now.AddDate(-3, 0, 0), now.Add(31*day))
			e.cluster().CertificateAuthorityData = e.ca.PEM
		}},
		{rule: lint.RuleClientCertExpired, line: true, want: "expired on 2026-12-02 23:00:00 UTC", fire: func(e *env) {
			e.client(testcert.Options{CommonName: "alice", NotBefore: now.AddDate(-1, 0, 0), NotAfter: now.Add(-time.Hour)})
		}},
		{rule: lint.RuleClientCertExpiring, line: true, want: "in 29 days", fire: func(e *env) {
			e.client(testcert.Options{CommonName: "alice", NotBefore: now.AddDate(-1, 0, 0), NotAfter: now.Add(29*day + time.Hour)})
		}, quiet: func(e *env) {
			e.client(testcert.Options{CommonName: "alice", NotBefore: now.AddDate(-1, 0, 0), NotAfter: now.Add(31 * day)})
		}},
		{rule: lint.RuleClientCertExpiring, name: "custom window", line: true, fire: func(e *env) {
			e.window = 10*day + time.Hour
			e.client(testcert.Options{CommonName: "alice", NotBefore: now.AddDate(-1, 0, 0), NotAfter: now.Add(10 * day)})
		}, quiet: func(e *env) {
			e.window = 9 * day
			e.client(testcert.Options{CommonName: "alice", NotBefore: now.AddDate(-1, 0, 0), NotAfter: now.Add(10 * day)})
		}},
		{rule: lint.RuleClientCertExpiring, name: "zero window", line: true, fire: func(e *env) {
			e.window = time.Hour
			e.client(testcert.Options{CommonName: "alice", NotBefore: now.AddDate(-1, 0, 0), NotAfter: now.Add(time.Minute)})
		}, quiet: func(e *env) {
			// --expiry-window 0: only certificates that have expired are reported.
			e.window = 0
			e.client(testcert.Options{CommonName: "alice", NotBefore: now.AddDate(-1, 0, 0), NotAfter: now.Add(time.Minute)})
		}},
		{rule: lint.RuleClientKeyMissing, line: true, fire: func(e *env) { e.user().ClientKeyData = nil }},
		{rule: lint.RuleClientKeyMismatch, line: true, want: "does not match", fire: func(e *env) {
			e.user().ClientKeyData = testcert.NewKey(e.t, testcert.ECDSA256).PEM
		}},
		{rule: lint.RuleClientCertUntrusted, line: true, want: `cluster "c1"`, fire: func(e *env) {
			other := testcert.NewCA(e.t, "other-ca", now.AddDate(-1, 0, 0), now.AddDate(5, 0, 0))
			c := other.Issue(e.t, testcert.Options{CommonName: "alice", NotBefore: now.AddDate(-1, 0, 0), NotAfter: now.AddDate(1, 0, 0)})
			e.user().ClientCertificateData, e.user().ClientKeyData = c.PEM, c.Key.PEM
		}},
		{rule: lint.RuleSystemMasters, line: true, want: "system:masters", fire: func(e *env) {
			e.client(testcert.Options{CommonName: "admin", Organization: []string{"system:masters"},
				NotBefore: now.AddDate(-1, 0, 0), NotAfter: now.AddDate(1, 0, 0)})
		}, quiet: func(e *env) {
			e.client(testcert.Options{CommonName: "admin", Organization: []string{"system:masters-not", "kubeadm:cluster-admins"},
				NotBefore: now.AddDate(-1, 0, 0), NotAfter: now.AddDate(1, 0, 0)})
		}},
		{rule: lint.RuleTokenAndTokenFile, line: true, fire: func(e *env) {
			e.file("token", []byte("abc"))
			*e.user() = clientcmdapi.AuthInfo{Token: "secret-token-value", TokenFile: "token"}
		}, quiet: func(e *env) { *e.user() = clientcmdapi.AuthInfo{Token: "secret-token-value"} }},
		{rule: lint.RuleAuthConflict, line: true, fire: func(e *env) {
			*e.user() = clientcmdapi.AuthInfo{Token: "secret-token-value", Username: "u", Password: "secret-password"}
		}, quiet: func(e *env) { *e.user() = clientcmdapi.AuthInfo{Username: "u", Password: "secret-password"} }},
		{rule: lint.RuleAuthProviderRemoved, line: true, want: "gcp", fire: func(e *env) {
			*e.user() = clientcmdapi.AuthInfo{AuthProvider: &clientcmdapi.AuthProviderConfig{Name: "gcp"}}
		}, quiet: func(e *env) {
			*e.user() = clientcmdapi.AuthInfo{AuthProvider: &clientcmdapi.AuthProviderConfig{Name: "oidc"}}
		}},
		{rule: lint.RuleAuthProviderRemoved, name: "azure", line: true, want: "azure", fire: func(e *env) {
			*e.user() = clientcmdapi.AuthInfo{AuthProvider: &clientcmdapi.AuthProviderConfig{Name: "azure"}}
		}},
		{rule: lint.RuleExecAPIVersion, line: true, want: "v1alpha1", fire: func(e *env) {
			*e.user() = clientcmdapi.AuthInfo{Exec: &clientcmdapi.ExecConfig{Command: "cred",
				APIVersion: "client.authentication.k8s.io/v1alpha1", InteractiveMode: clientcmdapi.NeverExecInteractiveMode}}
		}, quiet: func(e *env) {
			*e.user() = clientcmdapi.AuthInfo{Exec: &clientcmdapi.ExecConfig{Command: "cred",
				APIVersion: "client.authentication.k8s.io/v1", InteractiveMode: clientcmdapi.NeverExecInteractiveMode}}
		}},
		{rule: lint.RuleExecAPIVersion, name: "unknown", line: true, want: "v2", fire: func(e *env) {
			*e.user() = clientcmdapi.AuthInfo{Exec: &clientcmdapi.ExecConfig{Command: "cred",
				APIVersion: "client.authentication.k8s.io/v2", InteractiveMode: clientcmdapi.NeverExecInteractiveMode}}
		}},
		{rule: lint.RuleExecInteractiveModeUnset, line: true, fire: func(e *env) {
			*e.user() = clientcmdapi.AuthInfo{Exec: &clientcmdapi.ExecConfig{Command: "cred", APIVersion: "client.authentication.k8s.io/v1beta1"}}
		}, quiet: func(e *env) {
			*e.user() = clientcmdapi.AuthInfo{Exec: &clientcmdapi.ExecConfig{Command: "cred",
				APIVersion: "client.authentication.k8s.io/v1beta1", InteractiveMode: clientcmdapi.IfAvailableExecInteractiveMode}}
		}},
		{rule: lint.RuleExecInteractiveModeRequired, line: true, fire: func(e *env) {
			*e.user() = clientcmdapi.AuthInfo{Exec: &clientcmdapi.ExecConfig{Command: "cred", APIVersion: "client.authentication.k8s.io/v1"}}
		}, quiet: func(e *env) {
			*e.user() = clientcmdapi.AuthInfo{Exec: &clientcmdapi.ExecConfig{Command: "cred",
				APIVersion: "client.authentication.k8s.io/v1", InteractiveMode: clientcmdapi.AlwaysExecInteractiveMode}}
		}},
		// client-go refuses any value but Never, IfAvailable and Always, whatever the apiVersion.
		{rule: lint.RuleExecInteractiveModeRequired, name: "invalid value", line: true, want: `"never"`, fire: func(e *env) {
			*e.user() = clientcmdapi.AuthInfo{Exec: &clientcmdapi.ExecConfig{Command: "cred",
				APIVersion: "client.authentication.k8s.io/v1beta1", InteractiveMode: "never"}}
		}, quiet: func(e *env) {
			*e.user() = clientcmdapi.AuthInfo{Exec: &clientcmdapi.ExecConfig{Command: "cred",
				APIVersion: "client.authentication.k8s.io/v1beta1", InteractiveMode: clientcmdapi.NeverExecInteractiveMode}}
		}},
	}
}

func auditCases() []ruleCase {
	exec := func(e *env) {
		*e.user() = clientcmdapi.AuthInfo{Exec: &clientcmdapi.ExecConfig{Command: "aws",
			Args:       []string{"eks", "get-token", "--cluster-name", "my cluster"},
			Env:        []clientcmdapi.ExecEnvVar{{Name: "AWS_PROFILE", Value: "prod"}, {Name: "API_TOKEN", Value: "hunter2"}},
			APIVersion: "client.authentication.k8s.io/v1beta1", InteractiveMode: clientcmdapi.NeverExecInteractiveMode}}
	}
	return []ruleCase{
		{rule: lint.RuleUntrustedExec, line: true, want: "aws eks get-token --cluster-name 'my cluster', with env AWS_PROFILE=prod API_TOKEN=REDACTED", fire: exec},
		{rule: lint.RuleUntrustedAuthProvider, line: true, want: `"oidc" with client-id=kcfg client-secret=REDACTED idp-issuer-url=https://issuer.example`, fire: func(e *env) {
			*e.user() = clientcmdapi.AuthInfo{AuthProvider: &clientcmdapi.AuthProviderConfig{Name: "oidc",
				Config: map[string]string{"client-id": "kcfg", "client-secret": "hunter2", "idp-issuer-url": "https://issuer.example"}}}
		}},
		{rule: lint.RuleUntrustedPath, line: true, want: "an absolute path", fire: func(e *env) {
			e.cluster().CertificateAuthority, e.cluster().CertificateAuthorityData = "/etc/kcfg-test/ca.crt", nil
		}, quiet: func(e *env) {
			e.file("ca.crt", e.ca.PEM)
			e.cluster().CertificateAuthority, e.cluster().CertificateAuthorityData = "ca.crt", nil
		}},
		{rule: lint.RuleUntrustedPath, name: "outside the folder", line: true, want: "outside the file's folder", fire: func(e *env) {
			*e.user() = clientcmdapi.AuthInfo{TokenFile: "../../token"}
		}, quiet: func(e *env) { *e.user() = clientcmdapi.AuthInfo{TokenFile: "sub/../token"} }},
		{rule: lint.RuleUntrustedPath, name: "through a link", line: true, want: "a link to", fire: func(e *env) {
			outside := filepath.Join(e.t.TempDir(), "key")
			if err := os.WriteFile(outside, e.user().ClientKeyData, 0o600); err != nil {
				e.t.Fatal(err)
			}
			if err := os.Symlink(outside, filepath.Join(e.dir, "u1.key")); err != nil {
				e.t.Fatal(err)
			}
			e.user().ClientKey, e.user().ClientKeyData = "u1.key", nil
		}},
		{rule: lint.RuleUntrustedExec, name: "secret args", line: true,
			want: "kubelogin get-token --client-id=kube --client-secret=REDACTED --password REDACTED -v", fire: func(e *env) {
				*e.user() = clientcmdapi.AuthInfo{Exec: &clientcmdapi.ExecConfig{Command: "kubelogin",
					Args:       []string{"get-token", "--client-id=kube", "--client-secret=hunter2", "--password", "secret-password", "-v"},
					APIVersion: "client.authentication.k8s.io/v1", InteractiveMode: clientcmdapi.NeverExecInteractiveMode}}
			}},
		{rule: lint.RuleUntrustedExec, name: "relative command", line: true, want: "./bin/cred (run as ", fire: func(e *env) {
			*e.user() = clientcmdapi.AuthInfo{Exec: &clientcmdapi.ExecConfig{Command: "./bin/cred", APIVersion: "client.authentication.k8s.io/v1"}}
		}},
		{rule: lint.RuleUntrustedProxyURL, line: true, want: "http://user:xxxxx@127.0.0.1:3128", fire: func(e *env) {
			e.cluster().ProxyURL = "http://user:pass@127.0.0.1:3128"
		}},
		{rule: lint.RuleUntrustedHTTPServer, line: true, want: "http://127.0.0.1:8080", fire: func(e *env) { e.cluster().Server = "http://127.0.0.1:8080" }},
	}
}

func runCases(t *testing.T, cases []ruleCase, run func(e *env) *lint.Report) {
	for _, tc := range cases {
		name := tc.rule
		if tc.name != "" {
			name += "/" + tc.name
		}
		t.Run(name+"/fires", func(t *testing.T) {
			e := newEnv(t)
			tc.fire(e)
			r := run(e)
			got := findings(r, tc.rule)
			if len(got) == 0 {
				t.Fatalf("rule %s did not fire; findings: %+v", tc.rule, r.Findings)
			}
			f := got[0]
			if f.Severity != severityOf(t, tc.rule) {
				t.Errorf("severity = %s, want %s", f.Severity, severityOf(t, tc.rule))
			}
			if f.File == "" || f.Message == "" || f.Hint == "" {
				t.Errorf("finding lacks file, message or hint: %+v", f)
			}
			if tc.line && f.Line == 0 {
				t.Errorf("finding has no line: %+v", f)
			}
			if !strings.Contains(f.Message, tc.want) {
				t.Errorf("message %q does not contain %q", f.Message, tc.want)
			}
			for _, secret := range []string{"hunter2", "secret-token-value", "secret-password"} {
				for _, f := range r.Findings {
					if strings.Contains(f.Message, secret) || strings.Contains(f.Hint, secret) {
						t.Errorf("finding shows a secret: %+v", f)
					}
				}
			}
		})
		t.Run(name+"/silent", func(t *testing.T) {
			e := newEnv(t)
			if tc.quiet != nil {
				tc.quiet(e)
			}
			if got := findings(run(e), tc.rule); len(got) != 0 {
				t.Errorf("rule %s fired: %+v", tc.rule, got)
			}
		})
	}
}

func TestLintRules(t *testing.T) {
	runCases(t, lintCases(), (*env).lint)
}

func TestAuditRules(t *testing.T) {
	runCases(t, auditCases(), (*env).audit)
}

// TestEveryRuleIsTested keeps the catalogue and the cases in step.
func TestEveryRuleIsTested(t *testing.T) {
	tested := map[string]bool{}
	for _, c := range lintCases() {
		tested[c.rule] = true
	}
	audited := map[string]bool{}
	for _, c := range auditCases() {
		audited[c.rule] = true
	}
	seen := map[string]bool{}
	for _, r := range lint.Rules() {
		if seen[r.ID] {
			t.Errorf("rule %s is listed twice", r.ID)
		}
		seen[r.ID] = true
		if r.Untrusted && !audited[r.ID] || !r.Untrusted && !tested[r.ID] {
			t.Errorf("rule %s has no test case", r.ID)
		}
		if r.Untrusted && r.Severity != lint.Error {
			t.Errorf("audit rule %s is %s, want error", r.ID, r.Severity)
		}
	}
}

func TestGoodConfigHasNoFindings(t *testing.T) {
	e := newEnv(t)
	if r := e.lint(); len(r.Findings) != 0 || r.Failed(true) {
		t.Errorf("lint findings: %+v", r.Findings)
	}
	if r := e.audit(); len(r.Findings) != 0 || r.Failed(true) {
		t.Errorf("audit findings: %+v", r.Findings)
	}
}

// TestLintKeepsGoing: a file with a bad field is still checked for the rest,
// and the other files too.
func TestLintKeepsGoing(t *testing.T) {
	e := newEnv(t)
	e.client(testcert.Options{CommonName: "alice", NotBefore: now.AddDate(-1, 0, 0), NotAfter: now.Add(-day)})
	bad := e.file("bad", []byte("users:\n- name: broken\n  user:\n    client-key-data: '%%%'\n"))
	e.extra = []string{bad, filepath.Join(e.dir, "missing")}
	r := e.lint()
	var rules []string
	for _, f := range r.Findings {
		rules = append(rules, f.Rule)
	}
	for _, want := range []string{lint.RuleClientCertExpired, lint.RuleBase64Invalid, lint.RuleFileUnreadable} {
		if !slices.Contains(rules, want) {
			t.Errorf("findings %v lack %s", rules, want)
		}
	}
	if len(r.Files) != 3 {
		t.Errorf("files = %v", r.Files)
	}
}

func TestReport(t *testing.T) {
	e := newEnv(t)
	e.mode = 0o644
	e.cfg.CurrentContext = ""
	e.client(testcert.Options{CommonName: "alice", Organization: []string{"system:masters"},
		NotBefore: now.AddDate(-1, 0, 0), NotAfter: now.Add(-day)})
	r := e.lint()
	var got []string
	for _, f := range r.Findings {
		got = append(got, string(f.Severity)+" "+f.Rule)
	}
	// File-level findings (no line) first, then by line; at one line errors first.
	want := []string{"warning current-context-unset", "warning file-mode", "error client-cert-expired", "info system-masters"}
	if !slices.Equal(got, want) {
		t.Errorf("order = %v, want %v", got, want)
	}
	if r.Summary != (lint.Summary{Errors: 1, Warnings: 2, Infos: 1}) {
		t.Errorf("summary = %+v", r.Summary)
	}
	if !r.Failed(false) {
		t.Error("an error finding does not fail")
	}
	if g := r.ByFile(); len(g) != 1 || len(g[r.Files[0]]) != 4 {
		t.Errorf("ByFile = %v", g)
	}
	if r.Mode != "lint" {
		t.Errorf("mode = %s", r.Mode)
	}

	t.Run("warnings fail only when strict", func(t *testing.T) {
		e := newEnv(t)
		e.cfg.CurrentContext = ""
		r := e.lint()
		if r.Summary.Errors != 0 || r.Summary.Warnings != 1 {
			t.Fatalf("summary = %+v", r.Summary)
		}
		if r.Failed(false) || !r.Failed(true) {
			t.Errorf("Failed(false) = %v, Failed(true) = %v", r.Failed(false), r.Failed(true))
		}
	})
}

func TestShadowedNamesTheWinner(t *testing.T) {
	e := newEnv(t)
	other := clientcmdapi.NewConfig()
	other.Contexts["ctx1"] = &clientcmdapi.Context{Cluster: "gone", AuthInfo: "u1"}
	second := e.kubeconfig("second", other)
	e.extra = []string{second}
	r := e.lint()
	got := findings(r, lint.RuleNameShadowed)
	if len(got) != 1 || got[0].File != second || got[0].Name != "ctx1" || got[0].Line != 4 ||
		!slices.Equal(got[0].Contexts, []string{"ctx1"}) {
		t.Fatalf("shadowed = %+v", got)
	}
	first := filepath.Join(e.dir, "config")
	if !strings.Contains(got[0].Message, first+":") {
		t.Errorf("message %q does not name the winning file", got[0].Message)
	}
	// The shadowed context's broken reference is never used, so not reported.
	if f := findings(r, lint.RuleContextMissingCluster); len(f) != 0 {
		t.Errorf("a shadowed entry was checked: %+v", f)
	}
}

func TestSeed(t *testing.T) {
	data, err := os.ReadFile("../../testdata/seed-kubeconfig.yaml")
	if err != nil {
		t.Fatal(err)
	}
	p := filepath.Join(t.TempDir(), "seed-kubeconfig.yaml")
	if err := os.WriteFile(p, data, 0o600); err != nil {
		t.Fatal(err)
	}
	r := lint.Lint(kubeconfig.ReadFiles([]string{p}, true), lint.Options{Now: now, ExpiryWindow: lint.DefaultExpiryWindow})
	var got []string
	for _, f := range r.Findings {
		got = append(got, f.Rule)
	}
	want := []string{lint.RuleCurrentContextUnset, lint.RuleClientCertExpired, lint.RuleSystemMasters}
	if !slices.Equal(got, want) {
		t.Fatalf("findings = %v, want %v", got, want)
	}
	if f := r.Findings[0]; !strings.Contains(f.Message+f.Hint, "kubernetes-admin@forest") {
		t.Errorf("current-context finding does not name the context: %+v", f)
	}
	if f := r.Findings[1]; !strings.Contains(f.Message, "expired on 2023-12-07 01:40:30 UTC") || f.Line != 20 ||
		f.Name != "kubernetes-admin" || !slices.Equal(f.Contexts, []string{"kubernetes-admin@forest"}) {
		t.Errorf("expired finding = %+v", f)
	}
	if f := r.Findings[2]; f.Severity != lint.Info {
		t.Errorf("system:masters finding = %+v", f)
	}
	if a := lint.Audit(kubeconfig.ReadFiles([]string{p}, true)); len(a.Findings) != 0 {
		t.Errorf("audit of the seed: %+v", a.Findings)
	}
}

// TestRulesDocumented keeps README.md's rule tables in step with the catalogue.
func TestRulesDocumented(t *testing.T) {
	doc, err := os.ReadFile("../../README.md")
	if err != nil {
		t.Fatal(err)
	}
	for _, r := range lint.Rules() {
		row := "| `" + r.ID + "` | " + string(r.Severity) + " |"
		if !strings.Contains(string(doc), row) {
			t.Errorf("README.md has no row %q", row)
		}
	}
}

// An encrypted client key is named as such, with a hint that fits.
func TestEncryptedClientKey(t *testing.T) {
	e := newEnv(t)
	e.user().ClientKeyData = pem.EncodeToMemory(&pem.Block{Type: "ENCRYPTED PRIVATE KEY", Bytes: []byte{0x30, 0x00}})
	got := findings(e.lint(), lint.RulePEMInvalid)
	if len(got) != 1 {
		t.Fatalf("pem-invalid findings: %+v", got)
	}
	if !strings.Contains(got[0].Message, "encrypted") || !strings.Contains(got[0].Hint, "openssl pkey") {
		t.Errorf("finding = %+v, want it to say the key is encrypted and how to decrypt it", got[0])
	}
}

// A hint points at "the line shown" only when a line is shown.
func TestFileInvalidHintWithoutLine(t *testing.T) {
	e := newEnv(t)
	e.text = "apiVersion: v1\nkind: Config\nusers:\n- name: u\n  user:\n    password: [secret-password]\n"
	got := findings(e.lint(), lint.RuleFileInvalid)
	if len(got) != 1 {
		t.Fatalf("file-invalid findings: %+v", got)
	}
	if f := got[0]; f.Line == 0 && strings.Contains(f.Hint, "line shown") {
		t.Errorf("hint names a line that is not shown: %+v", f)
	}
}

func TestOneDay(t *testing.T) {
	e := newEnv(t)
	e.client(testcert.Options{CommonName: "alice", NotBefore: now.AddDate(-1, 0, 0), NotAfter: now.Add(-day - time.Hour)})
	got := findings(e.lint(), lint.RuleClientCertExpired)
	if len(got) != 1 || !strings.HasSuffix(got[0].Message, ", 1 day ago") {
		t.Errorf("findings = %+v, want one ending in \", 1 day ago\"", got)
	}
}
