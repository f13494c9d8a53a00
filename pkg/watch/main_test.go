package watch_test

import (
	"context"
	"fmt"
	"os"
	"path/filepath"
	"slices"
	"strings"
	"sync"
	"testing"
	"time"

	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	"k8s.io/apimachinery/pkg/apis/meta/v1/unstructured"
	"k8s.io/apimachinery/pkg/runtime/schema"
	"k8s.io/client-go/dynamic"
	"k8s.io/client-go/rest"
	"k8s.io/client-go/tools/clientcmd"
	clientcmdapi "k8s.io/client-go/tools/clientcmd/api"

	"github.com/kcfg-dev/kcfg/internal/testcluster"
	"github.com/kcfg-dev/kcfg/pkg/kubeconfig"
	"github.com/kcfg-dev/kcfg/pkg/watch"
)

// The package's tests share two control planes, "dev" and "prod", both with
// the example CRD; dev also has the sprockets (ambiguous) and gadgets CRDs.
// The kubeconfig (KUBECONFIG, for the Example) has a third context, "down",
// whose server is a closed port on 127.0.0.1.
var shared struct {
	kubeconfig string
	clusters   map[string]*testcluster.Cluster
}

var widgetGVR = schema.GroupVersionResource{Group: "demo.kcfg.dev", Version: "v1", Resource: "widgets"}

func TestMain(m *testing.M) { os.Exit(testMain(m)) }

func testMain(m *testing.M) int {
	root, err := filepath.Abs("../..")
	if err != nil {
		fmt.Fprintln(os.Stderr, err)
		return 1
	}
	crds := map[string][]string{
		"dev":  {filepath.Join(root, "examples/crd"), "testdata/crd-ambiguous", "testdata/crd-late"},
		"prod": {filepath.Join(root, "examples/crd")},
	}
	shared.clusters = map[string]*testcluster.Cluster{}
	var mu sync.Mutex
	var wg sync.WaitGroup
	var errs []error
	for name, paths := range crds {
		wg.Go(func() {
			c, err := testcluster.StartMain(testcluster.Options{CRDDirectoryPaths: paths})
			mu.Lock()
			defer mu.Unlock()
			if err != nil {
				errs = append(errs, err)
				return
			}
			shared.clusters[name] = c
		})
	}
	wg.Wait()
	defer func() {
		for _, c := range shared.clusters {
			if err := c.Stop(); err != nil {
				fmt.Fprintln(os.Stderr, err)
			}
		}
	}()
	if len(errs) > 0 {
		fmt.Fprintln(os.Stderr, errs)
		return 1
	}
	dir, err := os.MkdirTemp("", "kcfg-watch-test")
	if err != nil {
		fmt.Fprintln(os.Stderr, err)
		return 1
	}
	defer os.RemoveAll(dir)
	shared.kubeconfig = filepath.Join(dir, "config")
	if err := writeKubeconfig(shared.kubeconfig); err != nil {
		fmt.Fprintln(os.Stderr, err)
		return 1
	}
	// The Example reads its kubeconfig as a program would.
	os.Setenv("KUBECONFIG", shared.kubeconfig)
	if err := seedExample(); err != nil {
		fmt.Fprintln(os.Stderr, err)
		return 1
	}
	return m.Run()
}

func writeKubeconfig(path string) error {
	cfg := clientcmdapi.NewConfig()
	add := func(name, server string, rc *rest.Config) {
		cfg.Clusters[name] = &clientcmdapi.Cluster{Server: server, CertificateAuthorityData: rc.CAData}
		cfg.AuthInfos[name] = &clientcmdapi.AuthInfo{ClientCertificateData: rc.CertData, ClientKeyData: rc.KeyData}
		cfg.Contexts[name] = &clientcmdapi.Context{Cluster: name, AuthInfo: name, Namespace: "example"}
	}
	for name, c := range shared.clusters {
		add(name, c.Config.Host, c.Config)
	}
	add("down", "https://127.0.0.1:1", shared.clusters["dev"].Config)
	cfg.CurrentContext = "dev"
	return clientcmd.WriteToFile(*cfg, path)
}

// seedExample creates namespace "example" with widget "hello" in dev and prod.
func seedExample() error {
	ctx := context.Background()
	for _, c := range shared.clusters {
		dyn, err := dynamic.NewForConfig(c.Config)
		if err != nil {
			return err
		}
		if err := createNamespace(ctx, dyn, "example"); err != nil {
			return err
		}
		if _, err := dyn.Resource(widgetGVR).Namespace("example").Create(ctx, widget("hello", nil, 1), metav1.CreateOptions{}); err != nil {
			return err
		}
	}
	return nil
}

func createNamespace(ctx context.Context, dyn dynamic.Interface, name string) error {
	ns := &unstructured.Unstructured{Object: map[string]any{
		"apiVersion": "v1", "kind": "Namespace", "metadata": map[string]any{"name": name}}}
	_, err := dyn.Resource(schema.GroupVersionResource{Version: "v1", Resource: "namespaces"}).Create(ctx, ns, metav1.CreateOptions{})
	return err
}

func widget(name string, labels map[string]string, size int64) *unstructured.Unstructured {
	u := &unstructured.Unstructured{Object: map[string]any{
		"apiVersion": "demo.kcfg.dev/v1",
		"kind":       "Widget",
		"metadata":   map[string]any{"name": name},
		"spec":       map[string]any{"size": size, "color": "blue"},
	}}
	u.SetLabels(labels)
	return u
}

// client returns a dynamic client for the widgets of one namespace in one cluster.
func client(t *testing.T, cluster, ns string) dynamic.ResourceInterface {
	t.Helper()
	dyn, err := dynamic.NewForConfig(shared.clusters[cluster].Config)
	if err != nil {
		t.Fatal(err)
	}
	return dyn.Resource(widgetGVR).Namespace(ns)
}

// namespace creates a fresh namespace in the named clusters.
func namespace(t *testing.T, name string, clusters ...string) {
	t.Helper()
	for _, c := range clusters {
		dyn, err := dynamic.NewForConfig(shared.clusters[c].Config)
		if err != nil {
			t.Fatal(err)
		}
		if err := createNamespace(t.Context(), dyn, name); err != nil {
			t.Fatalf("%s: %v", c, err)
		}
	}
}

func targets(t *testing.T, contexts ...string) []watch.Target {
	t.Helper()
	cfg, err := kubeconfig.Load(kubeconfig.Source{ExplicitPath: shared.kubeconfig})
	if err != nil {
		t.Fatal(err)
	}
	ts, err := watch.Targets(cfg, contexts)
	if err != nil {
		t.Fatal(err)
	}
	return ts
}

// recorder records events and notices.
type recorder struct {
	mu      sync.Mutex
	events  []watch.Event
	notices []watch.Notice
}

func (r *recorder) handle(_ context.Context, ev watch.Event) error {
	r.mu.Lock()
	defer r.mu.Unlock()
	r.events = append(r.events, ev)
	return nil
}

func (r *recorder) notify(n watch.Notice) {
	r.mu.Lock()
	defer r.mu.Unlock()
	r.notices = append(r.notices, n)
}

func (r *recorder) snapshot() ([]watch.Event, []watch.Notice) {
	r.mu.Lock()
	defer r.mu.Unlock()
	return slices.Clone(r.events), slices.Clone(r.notices)
}

// sequences renders the events per context/name, in order.
func (r *recorder) sequences() map[string][]string {
	evs, _ := r.snapshot()
	out := map[string][]string{}
	for _, ev := range evs {
		out[ev.Context+"/"+ev.Name] = append(out[ev.Context+"/"+ev.Name], describe(ev))
	}
	return out
}

func describe(ev watch.Event) string {
	s := string(ev.Type)
	if ev.Initial {
		s += " initial"
	}
	for _, c := range ev.Changes {
		s += " " + c.Path
	}
	return s
}

func (r *recorder) synced(contexts ...string) bool {
	_, ns := r.snapshot()
	for _, c := range contexts {
		if !slices.ContainsFunc(ns, func(n watch.Notice) bool { return n.Kind == watch.ContextSynced && n.Context == c }) {
			return false
		}
	}
	return true
}

// start runs w until the test ends and waits until the contexts synced.
func start(t *testing.T, w *watch.Watcher, r *recorder, contexts ...string) {
	t.Helper()
	ctx, cancel := context.WithCancel(t.Context())
	done := make(chan error, 1)
	go func() { done <- w.Run(ctx) }()
	t.Cleanup(func() {
		cancel()
		if err := <-done; err != nil {
			t.Errorf("Run: %v", err)
		}
	})
	eventually(t, 30*time.Second, func() bool { return r.synced(contexts...) }, func() string {
		_, ns := r.snapshot()
		return fmt.Sprintf("contexts %v not synced; notices: %v", contexts, ns)
	})
}

// eventually polls cond until it holds or the timeout passes.
func eventually(t *testing.T, timeout time.Duration, cond func() bool, msg func() string) {
	t.Helper()
	deadline := time.Now().Add(timeout)
	for !cond() {
		if time.Now().After(deadline) {
			t.Fatal(msg())
		}
		time.Sleep(50 * time.Millisecond)
	}
}

// quiet waits until r has seen no new event for d.
func quiet(r *recorder, d time.Duration) {
	n := -1
	for {
		evs, _ := r.snapshot()
		if len(evs) == n {
			return
		}
		n = len(evs)
		time.Sleep(d)
	}
}

func joinLines(m map[string][]string) string {
	var b strings.Builder
	keys := make([]string, 0, len(m))
	for k := range m {
		keys = append(keys, k)
	}
	slices.Sort(keys)
	for _, k := range keys {
		fmt.Fprintf(&b, "  %s: %q\n", k, m[k])
	}
	return b.String()
}
