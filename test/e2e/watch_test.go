package e2e

import (
	"bytes"
	"context"
	"encoding/json"
	"net/http"
	"net/http/httptest"
	"os"
	"path/filepath"
	"reflect"
	"strings"
	"sync"
	"testing"
	"time"

	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	"k8s.io/apimachinery/pkg/apis/meta/v1/unstructured"
	"k8s.io/apimachinery/pkg/runtime/schema"
	"k8s.io/client-go/dynamic"
	"k8s.io/client-go/tools/clientcmd"
	clientcmdapi "k8s.io/client-go/tools/clientcmd/api"

	"github.com/kcfg-dev/kcfg/internal/cli"
	"github.com/kcfg-dev/kcfg/internal/iostreams"
	"github.com/kcfg-dev/kcfg/internal/testcluster"
)

// syncBuffer is a bytes.Buffer safe for the command's goroutines and the test.
type syncBuffer struct {
	mu sync.Mutex
	b  bytes.Buffer
}

func (s *syncBuffer) Write(p []byte) (int, error) {
	s.mu.Lock()
	defer s.mu.Unlock()
	return s.b.Write(p)
}

func (s *syncBuffer) String() string {
	s.mu.Lock()
	defer s.mu.Unlock()
	return s.b.String()
}

// watchRun is one kcfg watch running in the background.
type watchRun struct {
	out, errOut *syncBuffer
	cancel      context.CancelFunc
	code        chan int
}

func startWatch(t *testing.T, kubeconfig string, args ...string) *watchRun {
	t.Helper()
	r := &watchRun{out: &syncBuffer{}, errOut: &syncBuffer{}, code: make(chan int, 1)}
	f := &cli.Factory{IO: &iostreams.IOStreams{In: strings.NewReader(""), Out: r.out, ErrOut: r.errOut},
		Getenv: func(string) string { return "" }, Now: time.Now}
	ctx, cancel := context.WithCancel(t.Context())
	r.cancel = cancel
	go func() { r.code <- cli.Run(ctx, f, append([]string{"--kubeconfig", kubeconfig, "watch"}, args...)) }()
	t.Cleanup(func() { cancel(); <-r.code })
	return r
}

// stop interrupts the command and returns its exit code.
func (r *watchRun) stop() int {
	r.cancel()
	code := <-r.code
	r.code <- code
	return code
}

func waitFor(t *testing.T, what string, cond func() bool, state func() string) {
	t.Helper()
	deadline := time.Now().Add(30 * time.Second)
	for !cond() {
		if time.Now().After(deadline) {
			t.Fatalf("timed out waiting for %s:\n%s", what, state())
		}
		time.Sleep(50 * time.Millisecond)
	}
}

func (r *watchRun) waitErr(t *testing.T, substrings ...string) {
	t.Helper()
	waitFor(t, strings.Join(substrings, ", "), func() bool {
		for _, s := range substrings {
			if !strings.Contains(r.errOut.String(), s) {
				return false
			}
		}
		return true
	}, func() string { return "stderr:\n" + r.errOut.String() + "\nstdout:\n" + r.out.String() })
}

var widgetsGVR = schema.GroupVersionResource{Group: "demo.kcfg.dev", Version: "v1", Resource: "widgets"}

func newWidget(name string, size int64) *unstructured.Unstructured {
	return &unstructured.Unstructured{Object: map[string]any{
		"apiVersion": "demo.kcfg.dev/v1", "kind": "Widget",
		"metadata": map[string]any{"name": name},
		"spec":     map[string]any{"size": size},
	}}
}

// TestWatchCommand runs kcfg watch on the example CRD in two API servers
// while objects are created, changed and deleted.
func TestWatchCommand(t *testing.T) {
	crds := []string{filepath.Join(testcluster.RepoRoot(t), "examples", "crd")}
	clusters := map[string]*testcluster.Cluster{
		"dev":  testcluster.Start(t, testcluster.Options{CRDDirectoryPaths: crds}),
		"prod": testcluster.Start(t, testcluster.Options{CRDDirectoryPaths: crds}),
	}
	cfg := clientcmdapi.NewConfig()
	widgets := map[string]dynamic.ResourceInterface{}
	for name, c := range clusters {
		cfg.Clusters[name] = &clientcmdapi.Cluster{Server: c.Config.Host, CertificateAuthorityData: c.Config.CAData}
		cfg.AuthInfos[name] = &clientcmdapi.AuthInfo{ClientCertificateData: c.Config.CertData, ClientKeyData: c.Config.KeyData}
		cfg.Contexts[name] = &clientcmdapi.Context{Cluster: name, AuthInfo: name, Namespace: "shop"}
		dyn, err := dynamic.NewForConfig(c.Config)
		if err != nil {
			t.Fatal(err)
		}
		ns := &unstructured.Unstructured{Object: map[string]any{"apiVersion": "v1", "kind": "Namespace", "metadata": map[string]any{"name": "shop"}}}
		if _, err := dyn.Resource(schema.GroupVersionResource{Version: "v1", Resource: "namespaces"}).Create(t.Context(), ns, metav1.CreateOptions{}); err != nil {
			t.Fatal(err)
		}
		widgets[name] = dyn.Resource(widgetsGVR).Namespace("shop")
	}
	cfg.CurrentContext = "dev"
	kubeconfig := filepath.Join(t.TempDir(), "config")
	if err := clientcmd.WriteToFile(*cfg, kubeconfig); err != nil {
		t.Fatal(err)
	}
	original, err := os.ReadFile(kubeconfig)
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() {
		now, err := os.ReadFile(kubeconfig)
		if err != nil || !bytes.Equal(now, original) {
			t.Errorf("kubeconfig changed by kcfg watch (%v)", err)
		}
	})
	synced := func(ctx string) string {
		return `context "` + ctx + `": watching widgets.v1.demo.kcfg.dev in namespace shop`
	}
	setSize := func(t *testing.T, ctx, name string, size int64) {
		t.Helper()
		patch := []byte(`{"spec":{"size":` + jsonInt(size) + `}}`)
		if _, err := widgets[ctx].Patch(t.Context(), name, "application/merge-patch+json", patch, metav1.PatchOptions{}); err != nil {
			t.Fatal(err)
		}
	}

	t.Run("json lines across contexts", func(t *testing.T) {
		if _, err := widgets["dev"].Create(t.Context(), newWidget("old", 1), metav1.CreateOptions{}); err != nil {
			t.Fatal(err)
		}
		r := startWatch(t, kubeconfig, "wd", "--contexts", "dev,prod", "-o", "json")
		r.waitErr(t, synced("dev")+" (1 objects)", synced("prod")+" (0 objects)")
		for _, ctx := range []string{"dev", "prod"} {
			if _, err := widgets[ctx].Create(t.Context(), newWidget("w", 1), metav1.CreateOptions{}); err != nil {
				t.Fatal(err)
			}
			setSize(t, ctx, "w", 2)
			if err := widgets[ctx].Delete(t.Context(), "w", metav1.DeleteOptions{}); err != nil {
				t.Fatal(err)
			}
		}
		waitFor(t, "7 events", func() bool { return strings.Count(r.out.String(), "\n") >= 7 }, r.out.String)
		time.Sleep(300 * time.Millisecond)
		if code := r.stop(); code != cli.ExitInterrupted {
			t.Errorf("exit %d, want %d", code, cli.ExitInterrupted)
		}
		got := map[string][]string{}
		for _, line := range strings.Split(strings.TrimSpace(r.out.String()), "\n") {
			var ev struct {
				Type, Context, Namespace, Name, ResourceVersion, Resource, Group, Kind string
				Initial                                                                bool
				Time                                                                   time.Time
				Object                                                                 map[string]any
				Changes                                                                []struct{ Path, Op string }
			}
			if err := json.Unmarshal([]byte(line), &ev); err != nil {
				t.Fatalf("line %q: %v", line, err)
			}
			if ev.Namespace != "shop" || ev.ResourceVersion == "" || ev.Time.IsZero() || ev.Resource != "widgets" ||
				ev.Group != "demo.kcfg.dev" || ev.Kind != "Widget" || ev.Object["metadata"] == nil {
				t.Errorf("incomplete event %s", line)
			}
			s := ev.Type
			if ev.Initial {
				s += " initial"
			}
			for _, c := range ev.Changes {
				s += " " + c.Op + " " + c.Path
			}
			got[ev.Context+"/"+ev.Name] = append(got[ev.Context+"/"+ev.Name], s)
		}
		seq := []string{"ADDED", "MODIFIED replace spec.size", "DELETED"}
		want := map[string][]string{"dev/old": {"ADDED initial"}, "dev/w": seq, "prod/w": seq}
		if !reflect.DeepEqual(got, want) {
			t.Errorf("events %v, want %v\noutput:\n%s", got, want, r.out)
		}
	})

	t.Run("table, diff, ignore-fields, one object", func(t *testing.T) {
		if _, err := widgets["prod"].Create(t.Context(), newWidget("t", 1), metav1.CreateOptions{}); err != nil {
			t.Fatal(err)
		}
		if _, err := widgets["prod"].Create(t.Context(), newWidget("other", 1), metav1.CreateOptions{}); err != nil {
			t.Fatal(err)
		}
		r := startWatch(t, kubeconfig, "widget.demo.kcfg.dev", "t", "--context", "prod", "--no-initial", "--diff", "--ignore-fields", "status")
		r.waitErr(t, synced("prod")+" (1 objects)")
		u, err := widgets["prod"].Get(t.Context(), "t", metav1.GetOptions{})
		if err != nil {
			t.Fatal(err)
		}
		_ = unstructured.SetNestedField(u.Object, "Ready", "status", "phase")
		if _, err := widgets["prod"].UpdateStatus(t.Context(), u, metav1.UpdateOptions{}); err != nil {
			t.Fatal(err)
		}
		setSize(t, "prod", "other", 9)
		setSize(t, "prod", "t", 3)
		waitFor(t, "the spec change", func() bool { return strings.Contains(r.out.String(), "spec.size") }, r.out.String)
		time.Sleep(300 * time.Millisecond)
		r.stop()
		lines := strings.Split(strings.TrimRight(r.out.String(), "\n"), "\n")
		if len(lines) != 3 || !strings.HasPrefix(lines[0], "TIME") || !strings.Contains(lines[1], "MODIFIED") ||
			!strings.HasSuffix(lines[1], "shop/t") || lines[2] != "    ~ spec.size: 1 -> 3" {
			t.Errorf("output:\n%s", r.out)
		}
		if !strings.Contains(lines[1], "  prod  ") {
			t.Errorf("context column missing in %q", lines[1])
		}
	})

	t.Run("exec handler", func(t *testing.T) {
		out := filepath.Join(t.TempDir(), "events")
		t.Setenv("KCFG_TEST_OUT", out)
		r := startWatch(t, kubeconfig, "widgets", "--all-contexts", "--no-initial", "--events", "added",
			"--exec", `read -r line; printf '%s %s %s %s\n' "$KCFG_EVENT_CONTEXT" "$KCFG_EVENT_TYPE" "$KCFG_EVENT_NAME" "${line%%,*}" >> "$KCFG_TEST_OUT"`)
		r.waitErr(t, synced("dev"), synced("prod"))
		for _, ctx := range []string{"dev", "prod"} {
			if _, err := widgets[ctx].Create(t.Context(), newWidget("e-"+ctx, 1), metav1.CreateOptions{}); err != nil {
				t.Fatal(err)
			}
		}
		read := func() string { data, _ := os.ReadFile(out); return string(data) }
		waitFor(t, "two exec runs", func() bool { return strings.Count(read(), "\n") == 2 }, read)
		r.stop()
		for _, want := range []string{`dev ADDED e-dev {"type":"ADDED"` + "\n", `prod ADDED e-prod {"type":"ADDED"` + "\n"} {
			if !strings.Contains(read(), want) {
				t.Errorf("exec output %q lacks %q", read(), want)
			}
		}
		if r.out.String() != "" {
			t.Errorf("terminal output with --exec alone: %q", r.out)
		}
	})

	t.Run("slow webhook, drops reported", func(t *testing.T) {
		var mu sync.Mutex
		received := 0
		srv := httptest.NewServer(http.HandlerFunc(func(http.ResponseWriter, *http.Request) {
			time.Sleep(300 * time.Millisecond)
			mu.Lock()
			received++
			mu.Unlock()
		}))
		defer srv.Close()
		r := startWatch(t, kubeconfig, "widgets", "--context", "dev", "--no-initial", "--webhook", srv.URL, "--queue-size", "1")
		r.waitErr(t, synced("dev"))
		for i := range 10 {
			if _, err := widgets["dev"].Create(t.Context(), newWidget("h"+jsonInt(int64(i)), 1), metav1.CreateOptions{}); err != nil {
				t.Fatal(err)
			}
		}
		r.waitErr(t, "handler webhook: queue full, dropping oldest events")
		time.Sleep(time.Second)
		r.stop()
		if !strings.Contains(r.errOut.String(), "kcfg: handler webhook: ") || !strings.Contains(r.errOut.String(), " dropped (queue full)") {
			t.Errorf("no drop summary on stderr:\n%s", r.errOut)
		}
	})

	t.Run("resolution errors", func(t *testing.T) {
		tests := []struct {
			args []string
			code int
			want []string
		}{
			{[]string{"widgit", "--contexts", "dev,prod"}, cli.ExitFailure, []string{`context "dev": no resource "widgit"; closest: widgets.demo.kcfg.dev`, `context "prod"`}},
			{[]string{"widgets", "--contexts", "dev,nope"}, cli.ExitFailure, []string{`"nope"`}},
			{[]string{"widgets", "--events", "created"}, cli.ExitUsage, []string{`event type "created"`}},
		}
		for _, tt := range tests {
			r := startWatch(t, kubeconfig, tt.args...)
			code := <-r.code
			r.code <- code
			if code != tt.code {
				t.Errorf("%q: exit %d, want %d; stderr:\n%s", tt.args, code, tt.code, r.errOut)
			}
			for _, w := range tt.want {
				if !strings.Contains(r.errOut.String(), w) {
					t.Errorf("%q: stderr lacks %q:\n%s", tt.args, w, r.errOut)
				}
			}
		}
	})
}

func jsonInt(i int64) string {
	data, _ := json.Marshal(i)
	return string(data)
}
