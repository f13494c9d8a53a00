package e2e

import (
	"os"
	"slices"
	"strings"
	"testing"

	corev1 "k8s.io/api/core/v1"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	"k8s.io/apimachinery/pkg/apis/meta/v1/unstructured"
	"k8s.io/apimachinery/pkg/runtime/schema"
	"k8s.io/client-go/dynamic"

	"github.com/kcfg-dev/kcfg/internal/testcluster"
	"github.com/kcfg-dev/kcfg/internal/testnet"
)

// TestNsListsNamespacesFromTheCluster runs kcfg ns without a name: it reads
// the namespaces of the current context's cluster.
func TestNsListsNamespacesFromTheCluster(t *testing.T) {
	c := testcluster.Start(t, testcluster.Options{})
	dyn, err := dynamic.NewForConfig(c.Config)
	if err != nil {
		t.Fatal(err)
	}
	ns := &unstructured.Unstructured{Object: map[string]any{"apiVersion": "v1", "kind": "Namespace", "metadata": map[string]any{"name": "team-a"}}}
	if _, err := dyn.Resource(schema.GroupVersionResource{Version: "v1", Resource: "namespaces"}).Create(t.Context(), ns, metav1.CreateOptions{}); err != nil {
		t.Fatal(err)
	}
	b := newKubeconfig()
	b.add("admin", c.Config, nil)
	b.add("gone", c.Config, nil)
	b.cfg.Clusters["gone"].Server = "https://" + testnet.ClosedPort(t)
	// Contexts that cannot be used as written must not stop commands on
	// the others, as they do not stop kubectl.
	b.add("no-cluster", c.Config, nil)
	b.cfg.Contexts["no-cluster"].Cluster = "deleted-cluster"
	b.add("no-user", c.Config, nil)
	b.cfg.Contexts["no-user"].AuthInfo = "deleted-user"
	b.cfg.CurrentContext = "admin"
	path := b.write(t)
	before, _ := os.ReadFile(path)

	r := runKcfg(t, path, "ns")
	if r.code != 0 {
		t.Fatalf("kcfg ns: exit %d: %s", r.code, r.errOut)
	}
	got := strings.Fields(r.out)
	for _, want := range []string{corev1.NamespaceDefault, "kube-system", "team-a"} {
		if !slices.Contains(got, want) {
			t.Errorf("kcfg ns output %q lacks %q", got, want)
		}
	}

	r = runKcfg(t, path, "ns", "--context", "gone", "--timeout", "5s")
	if r.code != 1 || !strings.Contains(r.errOut, `context "gone"`) || !strings.Contains(r.errOut, "listing namespaces") {
		t.Errorf("kcfg ns on a closed port: exit %d, stderr %q", r.code, r.errOut)
	}
	for _, tt := range []struct{ context, mention string }{
		{"no-cluster", `cluster "deleted-cluster"`},
		{"no-user", `user "deleted-user"`},
	} {
		r = runKcfg(t, path, "ns", "--context", tt.context)
		if r.code != 1 || !strings.Contains(r.errOut, `context "`+tt.context+`"`) || !strings.Contains(r.errOut, tt.mention) {
			t.Errorf("kcfg ns --context %s: exit %d, stderr %q, want 1 naming the context and %s", tt.context, r.code, r.errOut, tt.mention)
		}
	}
	// kcfg watch of the healthy context gets as far as resolving the name.
	r = runKcfg(t, path, "watch", "nosuchresource")
	if r.code != 1 || !strings.Contains(r.errOut, `no resource "nosuchresource"`) {
		t.Errorf("kcfg watch on the current context beside broken ones: exit %d, stderr %q", r.code, r.errOut)
	}
	// With --all-contexts, the contexts that cannot be used are reported
	// and the others watched; a context name that does not exist is an
	// error at once.
	r = runKcfg(t, path, "watch", "nosuchresource", "--all-contexts")
	for _, want := range []string{`cluster "deleted-cluster"`, `user "deleted-user"`, `context "admin": no resource "nosuchresource"`} {
		if r.code != 1 || !strings.Contains(r.errOut, want) {
			t.Errorf("kcfg watch --all-contexts beside broken contexts: exit %d, stderr %q lacks %q", r.code, r.errOut, want)
		}
	}
	r = runKcfg(t, path, "watch", "nosuchresource", "--contexts", "admin,amdin")
	if r.code != 1 || !strings.Contains(r.errOut, `context "amdin"`) || strings.Contains(r.errOut, "nosuchresource") {
		t.Errorf("kcfg watch --contexts with an unknown name: exit %d, stderr %q", r.code, r.errOut)
	}
	after, _ := os.ReadFile(path)
	if string(before) != string(after) {
		t.Error("kcfg ns without a name changed the kubeconfig")
	}
}
