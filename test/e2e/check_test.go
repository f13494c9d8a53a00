package e2e

import (
	"encoding/json"
	"os"
	"os/exec"
	"path/filepath"
	"slices"
	"strings"
	"testing"
	"time"

	apierrors "k8s.io/apimachinery/pkg/api/errors"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	"k8s.io/apimachinery/pkg/runtime/schema"
	"k8s.io/client-go/discovery"
	"k8s.io/client-go/dynamic"
	"k8s.io/client-go/rest"
	"k8s.io/client-go/tools/clientcmd"
	clientcmdapi "k8s.io/client-go/tools/clientcmd/api"

	"github.com/kcfg-dev/kcfg/internal/testcert"
	"github.com/kcfg-dev/kcfg/internal/testcluster"
	"github.com/kcfg-dev/kcfg/internal/testnet"
	"github.com/kcfg-dev/kcfg/pkg/clients"
)

// pluginSource is a credential plugin: it prints an ExecCredential holding
// a token that the test's API server accepts, and fails when it is not run
// the way client-go runs it.
const pluginSource = `package main

import (
	"encoding/json"
	"fmt"
	"os"
)

func main() {
	var info struct {
		APIVersion string ` + "`json:\"apiVersion\"`" + `
		Kind       string ` + "`json:\"kind\"`" + `
	}
	if err := json.Unmarshal([]byte(os.Getenv("KUBERNETES_EXEC_INFO")), &info); err != nil || info.Kind != "ExecCredential" {
		fmt.Fprintln(os.Stderr, "not run as a credential plugin")
		os.Exit(1)
	}
	if len(os.Args) != 2 {
		fmt.Fprintln(os.Stderr, "usage: plugin TOKEN")
		os.Exit(1)
	}
	fmt.Printf("{\"apiVersion\":%q,\"kind\":\"ExecCredential\",\"status\":{\"token\":%q}}\n", info.APIVersion, os.Args[1])
}
`

// buildPlugin builds the credential plugin into a temporary folder.
func buildPlugin(t *testing.T) string {
	t.Helper()
	dir := t.TempDir()
	if err := os.WriteFile(filepath.Join(dir, "go.mod"), []byte("module credentialplugin\n\ngo 1.22\n"), 0o644); err != nil {
		t.Fatal(err)
	}
	if err := os.WriteFile(filepath.Join(dir, "main.go"), []byte(pluginSource), 0o644); err != nil {
		t.Fatal(err)
	}
	goTool, err := exec.LookPath("go")
	if err != nil {
		t.Fatalf("the go tool is needed to build the credential plugin: %v", err)
	}
	bin := filepath.Join(dir, "kcfg-test-credential-plugin")
	cmd := exec.CommandContext(t.Context(), goTool, "build", "-o", bin, ".")
	cmd.Dir = dir
	if out, err := cmd.CombinedOutput(); err != nil {
		t.Fatalf("building the credential plugin: %v\n%s", err, out)
	}
	return bin
}

// kubeconfigBuilder writes a kubeconfig with one cluster and user per
// context.
type kubeconfigBuilder struct{ cfg *clientcmdapi.Config }

func newKubeconfig() *kubeconfigBuilder { return &kubeconfigBuilder{cfg: clientcmdapi.NewConfig()} }

// add adds a context; rc gives the server, CA and credentials, change
// edits the cluster and user before they are stored.
func (b *kubeconfigBuilder) add(name string, rc *rest.Config, change func(*clientcmdapi.Cluster, *clientcmdapi.AuthInfo)) {
	cl := clientcmdapi.NewCluster()
	cl.Server, cl.CertificateAuthorityData = rc.Host, rc.CAData
	u := clientcmdapi.NewAuthInfo()
	u.ClientCertificateData, u.ClientKeyData, u.Token = rc.CertData, rc.KeyData, rc.BearerToken
	if change != nil {
		change(cl, u)
	}
	b.cfg.Clusters[name] = cl
	b.cfg.AuthInfos[name] = u
	b.cfg.Contexts[name] = &clientcmdapi.Context{Cluster: name, AuthInfo: name}
}

func (b *kubeconfigBuilder) write(t *testing.T) string {
	t.Helper()
	path := filepath.Join(t.TempDir(), "config")
	if err := clientcmd.WriteToFile(*b.cfg, path); err != nil {
		t.Fatal(err)
	}
	return path
}

// runKcfg runs kcfg in-process with KUBECONFIG set to kubeconfig and a
// home folder of its own.
func runKcfg(t *testing.T, kubeconfig string, args ...string) runResult {
	t.Helper()
	return runKcfgEnv(t, map[string]string{"KUBECONFIG": kubeconfig, "HOME": t.TempDir()}, args...)
}

// checkResult is the part of kcfg check -o json the tests read.
type checkResult struct {
	Context  string `json:"context"`
	Status   string `json:"status"`
	Reason   string `json:"reason"`
	Phase    string `json:"phase"`
	Message  string `json:"message"`
	Identity *struct {
		Username string   `json:"username"`
		Groups   []string `json:"groups"`
	} `json:"identity"`
	IdentitySource string `json:"identitySource"`
	ServerVersion  string `json:"serverVersion"`
	Timings        struct {
		Latency string `json:"latency"`
		Total   string `json:"total"`
	} `json:"timings"`
}

// lockDown removes the bindings that let every authenticated user ask who
// it is and read /version, as a cluster hardened that way would.
func lockDown(t *testing.T, c *testcluster.Cluster, probe *rest.Config) {
	t.Helper()
	dyn, err := dynamic.NewForConfig(c.Config)
	if err != nil {
		t.Fatal(err)
	}
	bindings := dyn.Resource(schema.GroupVersionResource{Group: "rbac.authorization.k8s.io", Version: "v1", Resource: "clusterrolebindings"})
	for _, name := range []string{"system:basic-user", "system:discovery", "system:public-info-viewer"} {
		if err := bindings.Delete(t.Context(), name, metav1.DeleteOptions{}); err != nil {
			t.Fatalf("deleting clusterrolebinding %s: %v", name, err)
		}
	}
	// The authorizer sees the change through an informer: wait for it.
	dc, err := discovery.NewDiscoveryClientForConfig(probe)
	if err != nil {
		t.Fatal(err)
	}
	deadline := time.Now().Add(30 * time.Second)
	for {
		_, err := dc.ServerVersionWithContext(t.Context())
		if apierrors.IsForbidden(err) {
			return
		}
		if time.Now().After(deadline) {
			t.Fatalf("GET /version as a user without bindings still gives %v, want 403", err)
		}
		time.Sleep(100 * time.Millisecond)
	}
}

// TestCheck runs kcfg check on two real API servers and on addresses that
// fail in every way a context can, and checks each status and that the
// whole run takes about one timeout.
func TestCheck(t *testing.T) {
	const pluginToken = "kcfg-test-plugin-token"
	one := testcluster.Start(t, testcluster.Options{Tokens: []testcluster.Token{
		{Token: pluginToken, User: "plugin-user", Groups: []string{"plugin-group"}},
	}})
	two := testcluster.Start(t, testcluster.Options{})
	plugin := buildPlugin(t)

	admin := one.AddUser(t, "alice-admin", "system:masters")
	nobody := one.AddUser(t, "bob-no-rights")
	admin2 := two.AddUser(t, "carol-admin", "system:masters")
	locked := two.AddUser(t, "dave-locked")
	lockDown(t, two, locked)

	// bob really has no rights: he may not even list namespaces.
	dyn, err := dynamic.NewForConfig(nobody)
	if err != nil {
		t.Fatal(err)
	}
	_, err = dyn.Resource(schema.GroupVersionResource{Version: "v1", Resource: "namespaces"}).List(t.Context(), metav1.ListOptions{})
	if !apierrors.IsForbidden(err) {
		t.Fatalf("listing namespaces as bob: %v, want forbidden", err)
	}

	wrongCA := testcert.NewCA(t, "not-the-cluster-ca", time.Now().Add(-time.Hour), time.Now().Add(time.Hour))
	kc := newKubeconfig()
	kc.add("one-admin", admin, nil)
	kc.add("one-no-rights", nobody, nil)
	kc.add("one-bad-token", admin, func(_ *clientcmdapi.Cluster, u *clientcmdapi.AuthInfo) {
		u.ClientCertificateData, u.ClientKeyData, u.Token = nil, nil, "not-a-token-this-server-knows"
	})
	kc.add("one-exec-plugin", admin, func(_ *clientcmdapi.Cluster, u *clientcmdapi.AuthInfo) {
		u.ClientCertificateData, u.ClientKeyData = nil, nil
		u.Exec = &clientcmdapi.ExecConfig{APIVersion: "client.authentication.k8s.io/v1", Command: plugin,
			Args: []string{pluginToken}, InteractiveMode: clientcmdapi.NeverExecInteractiveMode}
	})
	kc.add("two-admin", admin2, nil)
	kc.add("two-locked", locked, nil)
	kc.add("two-wrong-ca", admin2, func(c *clientcmdapi.Cluster, _ *clientcmdapi.AuthInfo) {
		c.CertificateAuthorityData = wrongCA.PEM
	})
	kc.add("two-wrong-name", admin2, func(c *clientcmdapi.Cluster, _ *clientcmdapi.AuthInfo) {
		c.TLSServerName = "not-this-server.example"
	})
	kc.add("closed-port", admin, func(c *clientcmdapi.Cluster, _ *clientcmdapi.AuthInfo) {
		c.Server = "https://" + testnet.ClosedPort(t)
	})
	kc.add("silent-1", admin, func(c *clientcmdapi.Cluster, _ *clientcmdapi.AuthInfo) {
		c.Server = "https://" + testnet.SilentListener(t)
	})
	kc.add("silent-2", admin, func(c *clientcmdapi.Cluster, _ *clientcmdapi.AuthInfo) {
		c.Server = "https://" + testnet.SilentListener(t)
	})
	kc.cfg.CurrentContext = "one-admin"
	path := kc.write(t)
	before, err := os.ReadFile(path)
	if err != nil {
		t.Fatal(err)
	}

	const timeout = 3 * time.Second
	res := runKcfg(t, path, "check", "--all", "--timeout", timeout.String(), "-o", "json")
	if res.code != 1 {
		t.Fatalf("kcfg check --all: exit %d, want 1\nstdout:\n%s\nstderr:\n%s", res.code, res.out, res.errOut)
	}
	if res.errOut != "" {
		t.Errorf("stderr is not a terminal, yet got %q", res.errOut)
	}
	var results []checkResult
	if err := json.Unmarshal([]byte(res.out), &results); err != nil {
		t.Fatalf("decoding the JSON output: %v\n%s", err, res.out)
	}
	byName := map[string]checkResult{}
	for _, r := range results {
		byName[r.Context] = r
	}
	if len(byName) != len(kc.cfg.Contexts) {
		t.Errorf("got %d results, want %d", len(byName), len(kc.cfg.Contexts))
	}

	// The two hung servers would cost two timeouts in a row; in parallel
	// they cost one, and the others finish meanwhile.
	if res.elapsed < timeout || res.elapsed > timeout+timeout/2 {
		t.Errorf("the run took %v, want about one timeout (%v), never the sum (%v)", res.elapsed, timeout, 2*timeout)
	}

	tests := []struct {
		context, status, reason, phase string
		user                           string
		groups                         []string
	}{
		{context: "one-admin", status: "ok", user: "alice-admin", groups: []string{"system:masters", "system:authenticated"}},
		{context: "one-no-rights", status: "ok", user: "bob-no-rights", groups: []string{"system:authenticated"}},
		{context: "one-exec-plugin", status: "ok", user: "plugin-user", groups: []string{"plugin-group", "system:authenticated"}},
		{context: "two-admin", status: "ok", user: "carol-admin", groups: []string{"system:masters", "system:authenticated"}},
		{context: "one-bad-token", status: "unauthorized", reason: "credentials-rejected", phase: "authentication"},
		{context: "two-locked", status: "forbidden", reason: "forbidden", phase: "authentication"},
		{context: "two-wrong-ca", status: "tls-error", reason: "unknown-authority", phase: "tls"},
		{context: "two-wrong-name", status: "tls-error", reason: "name-mismatch", phase: "tls"},
		{context: "closed-port", status: "unreachable", reason: "connection-refused", phase: "connect"},
		{context: "silent-1", status: "timeout", reason: "deadline-exceeded", phase: "tls"},
		{context: "silent-2", status: "timeout", reason: "deadline-exceeded", phase: "tls"},
	}
	for _, tt := range tests {
		t.Run(tt.context, func(t *testing.T) {
			r, ok := byName[tt.context]
			if !ok {
				t.Fatalf("no result")
			}
			if r.Status != tt.status || r.Reason != tt.reason || r.Phase != tt.phase {
				t.Fatalf("got %s/%s/%s (%s), want %s/%s/%s", r.Status, r.Reason, r.Phase, r.Message, tt.status, tt.reason, tt.phase)
			}
			if tt.status != "ok" {
				if r.Message == "" {
					t.Error("a failure without a message")
				}
				return
			}
			if r.Identity == nil || r.Identity.Username != tt.user {
				t.Fatalf("identity %+v, want %s", r.Identity, tt.user)
			}
			for _, g := range tt.groups {
				if !slices.Contains(r.Identity.Groups, g) {
					t.Errorf("groups %v lack %s", r.Identity.Groups, g)
				}
			}
			if r.IdentitySource != "SelfSubjectReview" || r.ServerVersion != "v1.37.2" || r.Timings.Latency == "" {
				t.Errorf("source %q, version %q, latency %q; want SelfSubjectReview, v1.37.2 and a latency",
					r.IdentitySource, r.ServerVersion, r.Timings.Latency)
			}
		})
	}
	if msg := byName["two-wrong-ca"].Message; !strings.Contains(msg, "unknown authority") {
		t.Errorf("wrong CA message %q does not name the unknown authority", msg)
	}

	after, err := os.ReadFile(path)
	if err != nil {
		t.Fatal(err)
	}
	if string(before) != string(after) {
		t.Error("kcfg check changed the kubeconfig")
	}

	t.Run("current context, table", func(t *testing.T) {
		res := runKcfg(t, path, "check")
		if res.code != 0 {
			t.Fatalf("exit %d, want 0\n%s%s", res.code, res.out, res.errOut)
		}
		lines := strings.Split(strings.TrimSpace(res.out), "\n")
		if len(lines) != 2 || !strings.HasPrefix(lines[0], "CONTEXT") {
			t.Fatalf("want a header and one row, got:\n%s", res.out)
		}
		for _, want := range []string{"one-admin", "ok", admin.Host, "alice-admin", "v1.37.2", "ms"} {
			if !strings.Contains(lines[1], want) {
				t.Errorf("row %q lacks %q", lines[1], want)
			}
		}
	})
	t.Run("named contexts", func(t *testing.T) {
		res := runKcfg(t, path, "check", "two-admin", "one-bad-token", "-o", "json")
		var rs []checkResult
		if err := json.Unmarshal([]byte(res.out), &rs); err != nil {
			t.Fatal(err)
		}
		if res.code != 1 || len(rs) != 2 || rs[0].Context != "two-admin" || rs[0].Status != "ok" || rs[1].Status != "unauthorized" {
			t.Errorf("exit %d, results %+v", res.code, rs)
		}
	})
	t.Run("client stack", func(t *testing.T) {
		cfg, err := clientcmd.LoadFromFile(path)
		if err != nil {
			t.Fatal(err)
		}
		set, err := clients.ForContext(cfg, "one-exec-plugin")
		if err != nil {
			t.Fatal(err)
		}
		id, err := set.WhoAmI(t.Context())
		if err != nil || id.Username != "plugin-user" {
			t.Fatalf("WhoAmI through the exec plugin: %+v, %v", id, err)
		}
		admin, err := clients.ForContext(cfg, "one-admin")
		if err != nil {
			t.Fatal(err)
		}
		mapper, err := admin.RESTMapper()
		if err != nil {
			t.Fatal(err)
		}
		gvr, err := mapper.ResourceFor(schema.GroupVersionResource{Resource: "namespaces"})
		if err != nil || gvr.Resource != "namespaces" {
			t.Fatalf("mapping namespaces: %v, %v", gvr, err)
		}
		dyn, err := admin.Dynamic()
		if err != nil {
			t.Fatal(err)
		}
		if _, err := dyn.Resource(gvr).Get(t.Context(), "kube-system", metav1.GetOptions{}); err != nil {
			t.Errorf("getting namespace kube-system: %v", err)
		}
	})
	t.Run("--context", func(t *testing.T) {
		res := runKcfg(t, path, "--context", "two-wrong-ca", "check")
		if res.code != 1 || !strings.Contains(res.out, "tls-error") || !strings.Contains(res.out, "unknown-authority") {
			t.Errorf("exit %d\n%s%s", res.code, res.out, res.errOut)
		}
	})
}
