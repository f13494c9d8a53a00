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
	"github.com/kcfg-dev/kcfg/pkg/watch"
)

func goldenWatch(t *testing.T, name string, got []byte) {
	t.Helper()
	Golden(t, filepath.Join("testdata", "watch", name+".golden"), got)
}

func TestWatchFlags(t *testing.T) {
	tests := []struct {
		name    string
		args    []string
		context string
		want    *WatchOptions
		errs    []string
	}{
		{name: "defaults", args: []string{"wd"},
			want: &WatchOptions{Resource: "wd", Output: "table", QueueSize: watch.DefaultQueueSize, OnFull: "drop", Terminal: true}},
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
			f := &Factory{IO: io, Getenv: func(string) string { return "" }, Context: tt.context}
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
			if !reflect.DeepEqual(got, tt.want) {
				t.Errorf("options\n%+v\nwant\n%+v", got, tt.want)
			}
		})
	}
}

func TestWatchArgs(t *testing.T) {
	for _, args := range [][]string{{"watch"}, {"watch", "a", "b", "c"}} {
		io, _, _, errOut := iostreams.Test()
		f := &Factory{IO: io, Getenv: func(string) string { return "" }}
		if code := Run(t.Context(), f, args); code != ExitUsage {
			t.Errorf("%q: exit %d, want %d; stderr %s", args, code, ExitUsage, errOut)
		}
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
