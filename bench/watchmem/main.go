// Command watchmem measures the memory kcfg watch needs for many custom
// resources, against a plain client-go dynamic informer on the same
// objects. It starts a local control plane (envtest, from the binaries of
// hack/controlplane), installs the Widget CRD of examples/crd, creates the
// widgets, then for each watcher in turn: starts it, waits until every
// object is listed (and, for kcfg, delivered to a handler), collects
// garbage and reads the live heap. Each watcher runs in a process of its
// own.
//
//	KUBEBUILDER_ASSETS=bin go run ./bench/watchmem -objects 10000
package main

import (
	"context"
	"flag"
	"fmt"
	"os"
	"os/exec"
	"path/filepath"
	"runtime"
	"runtime/debug"
	"sync"
	"sync/atomic"
	"time"

	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	"k8s.io/apimachinery/pkg/apis/meta/v1/unstructured"
	"k8s.io/apimachinery/pkg/runtime/schema"
	"k8s.io/client-go/dynamic"
	"k8s.io/client-go/dynamic/dynamicinformer"
	"k8s.io/client-go/tools/cache"
	"k8s.io/client-go/tools/clientcmd"
	clientcmdapi "k8s.io/client-go/tools/clientcmd/api"

	"github.com/kcfg-dev/kcfg/internal/testcluster"
	"github.com/kcfg-dev/kcfg/pkg/kubeconfig"
	"github.com/kcfg-dev/kcfg/pkg/watch"
)

var widgets = schema.GroupVersionResource{Group: "demo.kcfg.dev", Version: "v1", Resource: "widgets"}

func main() {
	if err := run(); err != nil {
		fmt.Fprintln(os.Stderr, "watchmem:", err)
		os.Exit(1)
	}
}

func run() error {
	objects := flag.Int("objects", 10000, "number of widgets")
	workers := flag.Int("workers", 16, "parallel creations")
	mode := flag.String("measure", "", "internal: measure one watcher (plain or kcfg) on -watch-config, print the live heap it holds")
	kc := flag.String("watch-config", "", "internal: the kubeconfig of the running control plane")
	flag.Parse()
	if *mode != "" {
		return measureOne(*mode, *kc, *objects)
	}

	root, err := repoRoot()
	if err != nil {
		return err
	}
	start := time.Now()
	c, err := testcluster.StartMain(testcluster.Options{CRDDirectoryPaths: []string{filepath.Join(root, "examples", "crd")}})
	if err != nil {
		return err
	}
	defer c.Stop()
	fmt.Printf("control plane up in %s\n", time.Since(start).Round(time.Millisecond))

	dir, err := os.MkdirTemp("", "kcfg-watchmem")
	if err != nil {
		return err
	}
	defer os.RemoveAll(dir)
	path := filepath.Join(dir, "config")
	cfg := clientcmdapi.NewConfig()
	cfg.Clusters["bench"] = &clientcmdapi.Cluster{Server: c.Config.Host, CertificateAuthorityData: c.Config.CAData}
	cfg.AuthInfos["bench"] = &clientcmdapi.AuthInfo{ClientCertificateData: c.Config.CertData, ClientKeyData: c.Config.KeyData}
	cfg.Contexts["bench"] = &clientcmdapi.Context{Cluster: "bench", AuthInfo: "bench", Namespace: "default"}
	cfg.CurrentContext = "bench"
	if err := clientcmd.WriteToFile(*cfg, path); err != nil {
		return err
	}

	dyn, err := dynamic.NewForConfig(c.Config)
	if err != nil {
		return err
	}
	start = time.Now()
	if err := create(context.Background(), dyn, *objects, *workers); err != nil {
		return err
	}
	fmt.Printf("created %d widgets in %s\n", *objects, time.Since(start).Round(time.Millisecond))

	// Each watcher runs in its own process, so that neither sees the other's garbage.
	heap := map[string]uint64{}
	for _, m := range []string{"plain", "kcfg"} {
		out, err := exec.Command(os.Args[0], "-measure", m, "-watch-config", path, "-objects", fmt.Sprint(*objects)).Output()
		if err != nil {
			return fmt.Errorf("measuring %s: %w", m, err)
		}
		var b uint64
		if _, err := fmt.Sscan(string(out), &b); err != nil {
			return fmt.Errorf("measuring %s: output %q: %w", m, out, err)
		}
		heap[m] = b
	}
	plain, kcfg := heap["plain"], heap["kcfg"]
	fmt.Printf("\nlive heap held after sync, %d widgets (growth over the process before the watcher started):\n", *objects)
	fmt.Printf("  plain dynamic informer: %6.1f MB\n", mb(plain))
	fmt.Printf("  kcfg watch (pkg/watch): %6.1f MB\n", mb(kcfg))
	fmt.Printf("  ratio kcfg/plain:       %6.2f (target <= 0.50: %s)\n", float64(kcfg)/float64(plain), verdict(float64(kcfg)/float64(plain) <= 0.5))
	return nil
}

// measureOne runs one watcher until it has synced and prints how much the
// live heap grew.
func measureOne(mode, kc string, n int) error {
	ctx, cancel := context.WithCancel(context.Background())
	defer cancel()
	var start func(context.Context) error
	switch mode {
	case "plain":
		rc, err := clientcmd.BuildConfigFromFlags("", kc)
		if err != nil {
			return err
		}
		dyn, err := dynamic.NewForConfig(rc)
		if err != nil {
			return err
		}
		start = func(ctx context.Context) error { return plainInformer(ctx, dyn, n) }
	case "kcfg":
		start = func(ctx context.Context) error { return kcfgWatch(ctx, kc, n) }
	default:
		return fmt.Errorf("unknown watcher %q", mode)
	}
	before := liveHeap()
	if err := start(ctx); err != nil {
		return err
	}
	held := liveHeap()
	if held < before {
		held = before
	}
	fmt.Println(held - before)
	return nil
}

func verdict(ok bool) string {
	if ok {
		return "holds"
	}
	return "MISSED"
}

func mb(b uint64) float64 { return float64(b) / (1 << 20) }

// create makes n widgets, in parallel, shaped like examples/crd/widget.yaml.
func create(ctx context.Context, dyn dynamic.Interface, n, workers int) error {
	var next atomic.Int64
	var firstErr error
	var once sync.Once
	var wg sync.WaitGroup
	for range workers {
		wg.Go(func() {
			for {
				i := int(next.Add(1)) - 1
				if i >= n {
					return
				}
				w := &unstructured.Unstructured{Object: map[string]any{
					"apiVersion": "demo.kcfg.dev/v1",
					"kind":       "Widget",
					"metadata": map[string]any{
						"name":   fmt.Sprintf("widget-%05d", i),
						"labels": map[string]any{"app": "demo", "shard": fmt.Sprint(i % 16)},
					},
					"spec": map[string]any{"size": int64(i % 10), "color": []string{"blue", "red", "green"}[i%3]},
				}}
				if _, err := dyn.Resource(widgets).Namespace("default").Create(ctx, w, metav1.CreateOptions{}); err != nil {
					once.Do(func() { firstErr = err })
					return
				}
			}
		})
	}
	wg.Wait()
	return firstErr
}

// liveHeap collects garbage and returns the bytes of live heap objects.
func liveHeap() uint64 {
	runtime.GC()
	debug.FreeOSMemory()
	var m runtime.MemStats
	runtime.ReadMemStats(&m)
	return m.HeapAlloc
}

// plainInformer runs client-go's dynamic informer for widgets, waits for
// its cache to sync, and returns while it keeps running until ctx ends.
func plainInformer(ctx context.Context, dyn dynamic.Interface, n int) error {
	f := dynamicinformer.NewFilteredDynamicSharedInformerFactory(dyn, 0, "default", nil)
	inf := f.ForResource(widgets).Informer()
	f.Start(ctx.Done())
	if !cache.WaitForCacheSync(ctx.Done(), inf.HasSynced) {
		return ctx.Err()
	}
	if got := len(inf.GetStore().ListKeys()); got != n {
		return fmt.Errorf("plain informer: %d objects, want %d", got, n)
	}
	return nil
}

// kcfgWatch runs pkg/watch on the widgets with one handler that counts
// events, and returns once every object has been delivered.
func kcfgWatch(ctx context.Context, kc string, n int) error {
	cfg, err := kubeconfig.Load(kubeconfig.Source{ExplicitPath: kc})
	if err != nil {
		return err
	}
	targets, err := watch.Targets(cfg, nil)
	if err != nil {
		return err
	}
	w := watch.New(targets, watch.Options{Resource: "widgets"})
	var seen atomic.Int64
	all := make(chan struct{})
	w.Handle("count", watch.HandlerFunc(func(context.Context, watch.Event) error {
		if seen.Add(1) == int64(n) {
			close(all)
		}
		return nil
	}), watch.QueueOptions{OnFull: watch.Block})
	errc := make(chan error, 1)
	go func() { errc <- w.Run(ctx) }()
	select {
	case <-all:
		return nil
	case err := <-errc:
		return fmt.Errorf("kcfg watch stopped: %v", err)
	case <-time.After(5 * time.Minute):
		return fmt.Errorf("kcfg watch: %d of %d events after 5 minutes", seen.Load(), n)
	}
}

func repoRoot() (string, error) {
	wd, err := os.Getwd()
	if err != nil {
		return "", err
	}
	for d := wd; ; d = filepath.Dir(d) {
		if _, err := os.Stat(filepath.Join(d, "hack", "controlplane")); err == nil {
			return d, nil
		}
		if filepath.Dir(d) == d {
			return "", fmt.Errorf("repository root not found above %s", wd)
		}
	}
}
