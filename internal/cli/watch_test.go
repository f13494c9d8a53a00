package cli

import (
	"bytes"
	"context"
	"errors"
	"path/filepath"
	"reflect"
	"strings"
	"testing"
	"time"

	"k8s.io/apimachinery/pkg/apis/meta/v1/unstructured"
	"k8s.io/apimachinery/pkg/runtime/schema"

	"github.com/kcfg-dev/kcfg/internal/iostreams"
	"github.com/kcfg-dev/kcfg/pkg/leader"
	"github.com/kcfg-dev/kcfg/pkg/watch"
)

func goldenWatch(t *testing.T, name string, got []byte) {
	t.Helper()
	Golden(t, filepath.Join("testdata", "watch", name+".golden"), got)
}

func TestWatchFlags(t *testing.T) {
	tests := []struct {
		name       string
		args       []string
		context    string
		kubeconfig string
		want       *WatchOptions
		errs       []string
	}{
		{name: "defaults", args: []string{"wd"},
			want: &WatchOptions{Resource: "wd", Output: "table", QueueSize: watch.DefaultQueueSize, OnFull: "drop", Terminal: true}},
		{name: "in cluster, leader election", args: []string{"deploy", "-A", "-o", "json", "--in-cluster", "--leader-elect"},
			want: &WatchOptions{Resource: "deploy", AllNamespaces: true, Output: "json", QueueSize: watch.DefaultQueueSize, OnFull: "drop", Terminal: true,
				InCluster: true, LeaderElect: true}},
		{name: "lease flags", args: []string{"deploy", "--in-cluster", "--service-account-dir", "/tmp/sa", "--leader-elect", "--lease-name", "w",
			"--lease-namespace", "ops", "--lease-duration", "3s", "--renew-deadline", "2s", "--retry-period", "500ms"},
			want: &WatchOptions{Resource: "deploy", Output: "table", QueueSize: watch.DefaultQueueSize, OnFull: "drop", Terminal: true,
				InCluster: true, ServiceAccountDir: "/tmp/sa", LeaderElect: true, LeaseName: "w", LeaseNamespace: "ops",
				Timings: leader.Timings{LeaseDuration: 3 * time.Second, RenewDeadline: 2 * time.Second, RetryPeriod: 500 * time.Millisecond}}},
		{name: "leader election on one kubeconfig context", args: []string{"wd", "--contexts", "dev", "--leader-elect"},
			want: &WatchOptions{Resource: "wd", Contexts: []string{"dev"}, Output: "table", QueueSize: watch.DefaultQueueSize, OnFull: "drop", Terminal: true,
				LeaderElect: true}},
		{name: "in cluster and contexts", args: []string{"wd", "--in-cluster", "--contexts", "a"}, errs: []string{"--in-cluster uses the pod's service account"}},
		{name: "in cluster and context", args: []string{"wd", "--in-cluster"}, context: "a", errs: []string{"excludes --kubeconfig, --context"}},
		{name: "in cluster and kubeconfig", args: []string{"wd", "--in-cluster"}, kubeconfig: "/tmp/k", errs: []string{"excludes --kubeconfig"}},
		{name: "lease flags without leader election", args: []string{"wd", "--in-cluster", "--lease-name", "x", "--lease-namespace", "y",
			"--lease-duration", "3s", "--renew-deadline", "2s", "--retry-period", "1s"},
			errs: []string{"--lease-name needs --leader-elect", "--lease-namespace needs", "--lease-duration needs", "--renew-deadline needs", "--retry-period needs"}},
		{name: "leader election on several contexts", args: []string{"wd", "--contexts", "a,b", "--leader-elect"}, errs: []string{"--leader-elect watches one context"}},
		{name: "leader election on all contexts", args: []string{"wd", "--all-contexts", "--leader-elect"}, errs: []string{"--leader-elect watches one context"}},
		{name: "bad timings", args: []string{"wd", "--leader-elect", "--lease-duration", "1500ms", "--renew-deadline", "2s", "--retry-period", "2s"},
			errs: []string{"lease duration 1.5s: want whole seconds", "renew deadline 2s: want less than the lease duration", "1.2 times the retry period"}},
		{name: "everything", args: []string{"widgets.demo.kcfg.dev", "w1", "-n", "shop", "-l", "app=demo", "--field-selector", "spec.x=y",
			"--contexts", "dev,prod", "-o", "json", "--no-initial", "--diff", "--events", "added,DELETED", "--ignore-fields", "status,metadata.labels",
			"--exec", "cat", "--webhook", "http://127.0.0.1:9/hook", "--queue-size", "5", "--on-full", "block"},
			want: &WatchOptions{Resource: "widgets.demo.kcfg.dev", Name: "w1", Namespace: "shop", Selector: "app=demo", FieldSelector: "spec.x=y",
				Contexts: []string{"dev", "prod"}, Output: "json", NoInitial: true, Diff: true, Events: []string{"added", "DELETED"},
				IgnoreFields: []string{"status", "metadata.labels"}, Exec: "cat", Webhook: "http://127.0.0.1:9/hook", QueueSize: 5, OnFull: "block", Terminal: true}},
		{name: "a handler alone prints nothing", args: []string{"wd", "-A", "--all-contexts", "--exec", "cat"},
			want: &WatchOptions{Resource: "wd", AllNamespaces: true, AllContexts: true, Output: "table", Exec: "cat",
				QueueSize: watch.DefaultQueueSize, OnFull: "drop"}},
		{name: "bad output", args: []string{"wd", "-o", "wide"}, errs: []string{`unknown output format "wide"`}},
		{name: "bad values", args: []string{"wd", "-n", "x", "-A", "--events", "created", "--on-full", "wait", "--queue-size", "0", "--webhook", "ftp://x"},
			errs: []string{"--namespace and --all-namespaces", `event type "created"`, `on-full policy "wait"`, "--queue-size 0", `--webhook "ftp://x"`}},
		{name: "bad selectors", args: []string{"wd", "-l", "app in (", "--field-selector", "a=b=c=("},
			errs: []string{`--selector "app in ("`, `--field-selector "a=b=c=("`}},
		{name: "contexts twice", args: []string{"wd", "--contexts", "a", "--all-contexts"}, errs: []string{"--contexts and --all-contexts"}},
		{name: "context and contexts", args: []string{"wd", "--contexts", "a"}, context: "b", errs: []string{"--context and --contexts"}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			io, _, _, _ := iostreams.Test()
			f := &Factory{IO: io, Getenv: func(string) string { return "" }, Context: tt.context, Kubeconfig: tt.kubeconfig}
			var got *WatchOptions
			cmd := NewCmdWatch(f, func(_ context.Context, o *WatchOptions) error { got = o; return nil })
			cmd.SetArgs(tt.args)
			cmd.SetOut(io.Out)
			cmd.SetErr(io.ErrOut)
			err := cmd.Execute()
			if tt.errs != nil {
				var ee *ExitError
				if !errors.As(err, &ee) || ee.Code != ExitUsage {
					t.Fatalf("error %v, want a usage error", err)
				}
				for _, e := range tt.errs {
					if !strings.Contains(err.Error(), e) {
						t.Errorf("error %q does not mention %q", err, e)
					}
				}
				if got != nil {
					t.Error("run was called")
				}
				return
			}
			if err != nil {
				t.Fatal(err)
			}
			// Flags left alone keep their defaults.
			if tt.want.ServiceAccountDir == "" {
				tt.want.ServiceAccountDir = "/var/run/secrets/kubernetes.io/serviceaccount"
			}
			if tt.want.LeaseName == "" {
				tt.want.LeaseName = "kcfg-watch"
			}
			if tt.want.Timings == (leader.Timings{}) {
				tt.want.Timings = leader.Timings{LeaseDuration: 15 * time.Second, RenewDeadline: 10 * time.Second, RetryPeriod: 2 * time.Second}
			}
			if !reflect.DeepEqual(got, tt.want) {
				t.Errorf("options\n%+v\nwant\n%+v", got, tt.want)
			}
		})
	}
}

func TestWatchArgs(t *testing.T) {
	for _, args := range [][]string{{"watch"}, {"watch", "a", "b", "c"}, {"watch", "a", "--leader-elect", "--lease-duration", "soon"}} {
		io, _, _, errOut := iostreams.Test()
		f := &Factory{IO: io, Getenv: func(string) string { return "" }}
		if code := Run(t.Context(), f, args); code != ExitUsage {
			t.Errorf("%q: exit %d, want %d; stderr %s", args, code, ExitUsage, errOut)
		}
	}
}

// TestWatchInClusterOutside: --in-cluster outside a pod fails (exit 1)
// naming what is missing, before any connection.
func TestWatchInClusterOutside(t *testing.T) {
	sa := t.TempDir()
	tests := []struct {
		name string
		env  map[string]string
		want []string
	}{
		{"no environment", nil, []string{`context "in-cluster"`, "unable to load in-cluster configuration", "KUBERNETES_SERVICE_HOST"}},
		{"no token", map[string]string{"KUBERNETES_SERVICE_HOST": "127.0.0.1", "KUBERNETES_SERVICE_PORT": "1"},
			[]string{`context "in-cluster"`, "service account token", filepath.Join(sa, "token")}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			io, _, out, errOut := iostreams.Test()
			f := &Factory{IO: io, Getenv: func(k string) string { return tt.env[k] }}
			code := Run(t.Context(), f, []string{"watch", "pods", "--in-cluster", "--service-account-dir", sa, "--leader-elect"})
			if code != ExitFailure {
				t.Errorf("exit %d, want %d", code, ExitFailure)
			}
			for _, w := range tt.want {
				if !strings.Contains(errOut.String(), w) {
					t.Errorf("stderr %q does not mention %q", errOut, w)
				}
			}
			if out.Len() != 0 {
				t.Errorf("stdout %q, want nothing", out)
			}
		})
	}
}

func sampleEvents() []watch.Event {
	at := time.Date(2026, 3, 4, 5, 6, 7, 0, time.UTC)
	res := watch.Resource{GroupVersionResource: schema.GroupVersionResource{Group: "demo.kcfg.dev", Version: "v1", Resource: "widgets"}, Kind: "Widget", Namespaced: true}
	obj := func(rv string, size int64, phase string) *unstructured.Unstructured {
		u := &unstructured.Unstructured{Object: map[string]any{
			"apiVersion": "demo.kcfg.dev/v1", "kind": "Widget",
			"metadata": map[string]any{"name": "w1", "namespace": "shop", "resourceVersion": rv},
			"spec":     map[string]any{"size": size},
		}}
		if phase != "" {
			u.Object["status"] = map[string]any{"phase": phase}
		}
		return u
	}
	o1, o2 := obj("101", 1, ""), obj("102", 2, "Ready")
	ev := func(typ watch.EventType, ctx, rv string, o, old *unstructured.Unstructured, initial bool) watch.Event {
		e := watch.Event{Type: typ, Context: ctx, Resource: res, Namespace: "shop", Name: "w1", ResourceVersion: rv, Time: at,
			Initial: initial, Object: o, OldObject: old}
		if old != nil {
			e.Changes = watch.Diff(old.Object, o.Object, nil)
		}
		return e
	}
	return []watch.Event{
		ev(watch.Added, "dev", "101", o1, nil, true),
		ev(watch.Added, "production", "55", o1, nil, false),
		ev(watch.Modified, "dev", "102", o2, o1, false),
		ev(watch.Deleted, "dev", "102", o2, nil, false),
	}
}

func TestWatchOutput(t *testing.T) {
	tests := []struct {
		name   string
		format string
		diff   bool
		color  bool
	}{
		{"table", "table", false, false},
		{"table-diff", "table", true, false},
		{"table-color", "table", false, true},
		{"json", "json", false, false},
		{"yaml", "yaml", false, false},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			var out bytes.Buffer
			p := &eventPrinter{out: &out, format: tt.format, diff: tt.diff, color: tt.color, contextWidth: len("production")}
			if tt.format == "table" {
				p.header()
			}
			for _, ev := range sampleEvents() {
				if err := p.print(t.Context(), ev); err != nil {
					t.Fatal(err)
				}
			}
			goldenWatch(t, tt.name, out.Bytes())
		})
	}
}
