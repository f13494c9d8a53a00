package watch

import (
	"context"
	"errors"
	"fmt"
	"net/http"
	"net/http/httptest"
	"reflect"
	"strings"
	"sync/atomic"
	"testing"
	"time"

	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	"k8s.io/apimachinery/pkg/apis/meta/v1/unstructured"
	"k8s.io/apimachinery/pkg/util/wait"
	apiwatch "k8s.io/apimachinery/pkg/watch"
	"k8s.io/client-go/tools/cache"
)

func evNames(evs []Event) []string {
	var out []string
	for _, e := range evs {
		out = append(out, e.Name)
	}
	return out
}

func TestQueueDropOldest(t *testing.T) {
	q := newQueue(3, DropOldest)
	var overflows []bool
	for _, n := range []string{"a", "b", "c", "d", "e"} {
		o, err := q.push(t.Context(), Event{Name: n}, nil)
		if err != nil {
			t.Fatal(err)
		}
		overflows = append(overflows, o)
	}
	if want := []bool{false, false, false, true, false}; !reflect.DeepEqual(overflows, want) {
		t.Errorf("overflow reported %v, want %v (once per overflow)", overflows, want)
	}
	var got []Event
	for range 3 {
		ev, err := q.pop(t.Context())
		if err != nil {
			t.Fatal(err)
		}
		got = append(got, ev)
	}
	if want := []string{"c", "d", "e"}; !reflect.DeepEqual(evNames(got), want) {
		t.Errorf("popped %v, want %v", evNames(got), want)
	}
	if dropped, waits, queued := q.stats(); dropped != 2 || waits != 0 || queued != 0 {
		t.Errorf("stats dropped %d waits %d queued %d", dropped, waits, queued)
	}
	// Emptied: the next overflow is reported again.
	for _, n := range []string{"f", "g", "h"} {
		_, _ = q.push(t.Context(), Event{Name: n}, nil)
	}
	if o, _ := q.push(t.Context(), Event{Name: "i"}, nil); !o {
		t.Error("second overflow not reported")
	}
}

func TestQueueBlock(t *testing.T) {
	q := newQueue(2, Block)
	var waiting []bool
	record := func(b bool) { waiting = append(waiting, b) }
	for _, n := range []string{"a", "b"} {
		if _, err := q.push(t.Context(), Event{Name: n}, record); err != nil {
			t.Fatal(err)
		}
	}
	done := make(chan error)
	go func() {
		_, err := q.push(t.Context(), Event{Name: "c"}, record)
		done <- err
	}()
	select {
	case <-done:
		t.Fatal("push on a full queue did not wait")
	case <-time.After(100 * time.Millisecond):
	}
	if ev, _ := q.pop(t.Context()); ev.Name != "a" {
		t.Errorf("popped %s, want a", ev.Name)
	}
	if err := <-done; err != nil {
		t.Fatal(err)
	}
	if !reflect.DeepEqual(waiting, []bool{true, false}) {
		t.Errorf("waiting calls %v", waiting)
	}
	b, _ := q.pop(t.Context())
	c, _ := q.pop(t.Context())
	if b.Name != "b" || c.Name != "c" {
		t.Errorf("popped %s %s, want b c", b.Name, c.Name)
	}
	if dropped, waits, _ := q.stats(); dropped != 0 || waits != 1 {
		t.Errorf("dropped %d waits %d", dropped, waits)
	}
	// A blocked push gives up when its context ends.
	_, _ = q.push(t.Context(), Event{}, nil)
	_, _ = q.push(t.Context(), Event{}, nil)
	ctx, cancel := context.WithTimeout(t.Context(), 50*time.Millisecond)
	defer cancel()
	if _, err := q.push(ctx, Event{}, nil); !errors.Is(err, context.DeadlineExceeded) {
		t.Errorf("push = %v, want deadline exceeded", err)
	}
}

func TestQueueBoundedUnderLoad(t *testing.T) {
	q := newQueue(10, DropOldest)
	ctx, cancel := context.WithCancel(t.Context())
	defer cancel()
	var popped atomic.Int64
	go func() {
		for {
			if _, err := q.pop(ctx); err != nil {
				return
			}
			popped.Add(1)
			time.Sleep(time.Millisecond)
		}
	}()
	const n = 10000
	for i := range n {
		_, _ = q.push(ctx, Event{Name: string(rune(i))}, nil)
		if _, _, queued := q.stats(); queued > 10 {
			t.Fatalf("queue holds %d events, bound is 10", queued)
		}
	}
	dropped, _, queued := q.stats()
	if dropped == 0 || int64(dropped)+popped.Load()+int64(queued) < n-1 {
		t.Errorf("dropped %d popped %d queued %d of %d", dropped, popped.Load(), queued, n)
	}
}

func TestDiff(t *testing.T) {
	base := func() map[string]any {
		return map[string]any{
			"metadata": map[string]any{"name": "a", "resourceVersion": "1", "generation": int64(1),
				"labels": map[string]any{"app": "x"}, "annotations": map[string]any{"a.b/c": "1"}},
			"spec":   map[string]any{"size": int64(1), "ports": []any{int64(80), int64(443)}},
			"status": map[string]any{"phase": "Pending"},
		}
	}
	tests := []struct {
		name   string
		change func(m map[string]any)
		ignore []string
		want   []Change
	}{
		{"nothing", func(map[string]any) {}, nil, nil},
		{"resourceVersion, generation and managedFields only", func(m map[string]any) {
			md := m["metadata"].(map[string]any)
			md["resourceVersion"], md["generation"], md["managedFields"] = "2", int64(2), []any{map[string]any{"manager": "x"}}
		}, nil, nil},
		{"scalar", func(m map[string]any) { m["spec"].(map[string]any)["size"] = int64(2) }, nil,
			[]Change{{Path: "spec.size", Op: "replace", Old: int64(1), New: int64(2)}}},
		{"list item added", func(m map[string]any) {
			m["spec"].(map[string]any)["ports"] = []any{int64(80), int64(443), int64(8080)}
		}, nil,
			[]Change{{Path: "spec.ports[2]", Op: "add", New: int64(8080)}}},
		{"key removed, odd key changed", func(m map[string]any) {
			md := m["metadata"].(map[string]any)
			delete(md, "labels")
			md["annotations"] = map[string]any{"a.b/c": "2"}
		}, nil, []Change{
			{Path: `metadata.annotations["a.b/c"]`, Op: "replace", Old: "1", New: "2"},
			{Path: "metadata.labels", Op: "remove", Old: map[string]any{"app": "x"}},
		}},
		{"status ignored", func(m map[string]any) { m["status"].(map[string]any)["phase"] = "Ready" }, []string{"status"}, nil},
		{"ignored prefix is a whole segment", func(m map[string]any) { m["status"].(map[string]any)["phase"] = "Ready" }, []string{"stat"},
			[]Change{{Path: "status.phase", Op: "replace", Old: "Pending", New: "Ready"}}},
		{"ignored annotations, label shown", func(m map[string]any) {
			md := m["metadata"].(map[string]any)
			md["annotations"] = map[string]any{}
			md["labels"] = map[string]any{"app": "y"}
		}, []string{".metadata.annotations"}, []Change{{Path: "metadata.labels.app", Op: "replace", Old: "x", New: "y"}}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			old, new := base(), base()
			tt.change(new)
			if got := Diff(old, new, tt.ignore); !reflect.DeepEqual(got, tt.want) {
				t.Errorf("Diff = %#v, want %#v", got, tt.want)
			}
		})
	}
}

func TestParse(t *testing.T) {
	types, err := ParseEventTypes([]string{"added", " DELETED", "Modified"})
	if err != nil || !reflect.DeepEqual(types, []EventType{Added, Deleted, Modified}) {
		t.Errorf("ParseEventTypes = %v, %v", types, err)
	}
	if _, err := ParseEventTypes([]string{"created"}); err == nil {
		t.Error("ParseEventTypes accepted created")
	}
	for in, want := range map[string]OnFull{"": DropOldest, "drop": DropOldest, "drop-oldest": DropOldest, "block": Block} {
		if got, err := ParseOnFull(in); err != nil || got != want {
			t.Errorf("ParseOnFull(%q) = %v, %v", in, got, err)
		}
	}
	if _, err := ParseOnFull("wait"); err == nil {
		t.Error("ParseOnFull accepted wait")
	}
}

func TestMatch(t *testing.T) {
	lists := []*metav1.APIResourceList{
		{GroupVersion: "v1", APIResources: []metav1.APIResource{
			{Name: "pods", SingularName: "pod", Kind: "Pod", ShortNames: []string{"po"}, Namespaced: true, Verbs: []string{"list", "watch"}},
			{Name: "pods/log", Kind: "Pod", Verbs: []string{"get"}},
			{Name: "bindings", Kind: "Binding", Verbs: []string{"create"}},
		}},
		{GroupVersion: "metrics.k8s.io/v1beta1", APIResources: []metav1.APIResource{
			{Name: "pods", SingularName: "", Kind: "PodMetrics", Namespaced: true, Verbs: []string{"list", "watch"}},
		}},
		{GroupVersion: "demo.kcfg.dev/v1", APIResources: []metav1.APIResource{
			{Name: "widgets", SingularName: "widget", Kind: "Widget", ShortNames: []string{"wd"}, Namespaced: true, Verbs: []string{"list", "watch"}},
		}},
		{GroupVersion: "demo.kcfg.dev/v1beta1", APIResources: []metav1.APIResource{
			{Name: "widgets", SingularName: "widget", Kind: "Widget", ShortNames: []string{"wd"}, Namespaced: true, Verbs: []string{"list", "watch"}},
		}},
		{GroupVersion: "other.kcfg.dev/v1", APIResources: []metav1.APIResource{
			{Name: "widgets", SingularName: "widget", Kind: "Widget", Verbs: []string{"list", "watch"}},
		}},
	}
	tests := []struct {
		arg  string
		want string // group/version/resource of the first candidate, or the error
	}{
		{"pods", "/v1/pods"},
		{"pod", "/v1/pods"},
		{"po", "/v1/pods"},
		{"pods.metrics.k8s.io", "metrics.k8s.io/v1beta1/pods"},
		{"podmetrics", "metrics.k8s.io/v1beta1/pods"},
		{"wd.demo.kcfg.dev", "demo.kcfg.dev/v1/widgets"},
		{"widgets.v1beta1.demo.kcfg.dev", "demo.kcfg.dev/v1beta1/widgets"},
		{"widgets", "ambiguous: widgets.demo.kcfg.dev, widgets.other.kcfg.dev"},
		{"bindings", "no match"},
		{"pods/log", "no match"},
	}
	for _, tt := range tests {
		t.Run(tt.arg, func(t *testing.T) {
			c, err := match(lists, tt.arg)
			var got string
			var re *ResolveError
			switch {
			case errors.As(err, &re) && errors.Is(err, ErrAmbiguous):
				got = "ambiguous: " + strings.Join(re.Matches, ", ")
			case errors.Is(err, ErrNoMatch):
				got = "no match"
			case err != nil:
				t.Fatal(err)
			default:
				got = c[0].gv.Group + "/" + c[0].gv.Version + "/" + c[0].res.Name
			}
			if got != tt.want {
				t.Errorf("match(%q) = %s, want %s", tt.arg, got, tt.want)
			}
		})
	}
	if got := closest(lists, "widgit"); len(got) != 2 || got[0] != "widgets.demo.kcfg.dev" {
		t.Errorf("closest(widgit) = %v", got)
	}
	if got := closest(lists, "zzzzzzzz"); got != nil {
		t.Errorf("closest(zzzzzzzz) = %v, want none", got)
	}
}

// TestGate checks that a blocked gate holds back object events, not
// bookmarks, and lets them through once open.
func TestGate(t *testing.T) {
	g := newGate()
	inner := apiwatch.NewFake()
	w := newGatedWatch(inner, g)
	defer w.Stop()
	g.setBlocked(true)
	go inner.Add(&metav1.PartialObjectMetadata{ObjectMeta: metav1.ObjectMeta{Name: "a"}})
	select {
	case ev := <-w.ResultChan():
		t.Fatalf("event %v passed a blocked gate", ev)
	case <-time.After(100 * time.Millisecond):
	}
	g.setBlocked(false)
	select {
	case ev := <-w.ResultChan():
		if ev.Type != apiwatch.Added {
			t.Errorf("got %v", ev.Type)
		}
	case <-time.After(5 * time.Second):
		t.Fatal("event held after the gate opened")
	}
	g.setBlocked(true)
	go inner.Action(apiwatch.Bookmark, &metav1.PartialObjectMetadata{})
	select {
	case ev := <-w.ResultChan():
		if ev.Type != apiwatch.Bookmark {
			t.Errorf("got %v", ev.Type)
		}
	case <-time.After(5 * time.Second):
		t.Fatal("bookmark held by a blocked gate")
	}
	// Before sync the gate never holds (the initial list must complete).
	g.active = func() bool { return false }
	go inner.Add(&metav1.PartialObjectMetadata{})
	select {
	case <-w.ResultChan():
	case <-time.After(5 * time.Second):
		t.Fatal("event held before sync")
	}
	w.Stop()
	if _, ok := <-w.ResultChan(); ok {
		t.Error("result channel open after Stop")
	}
}

func TestWebhookRetry(t *testing.T) {
	tests := []struct {
		name     string
		statuses []int
		wantErr  bool
		calls    int
	}{
		{"ok", []int{200}, false, 1},
		{"retried until accepted", []int{503, 429, 204}, false, 3},
		{"client error is final", []int{400}, true, 1},
		{"gives up", []int{500, 500, 500}, true, 3},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			var calls atomic.Int32
			srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, _ *http.Request) {
				i := int(calls.Add(1)) - 1
				w.WriteHeader(tt.statuses[min(i, len(tt.statuses)-1)])
			}))
			defer srv.Close()
			h := &WebhookHandler{URL: srv.URL, Backoff: wait.Backoff{Duration: time.Millisecond, Factor: 2, Steps: 3}}
			err := h.Handle(t.Context(), Event{Type: Added, Name: "a"})
			if (err != nil) != tt.wantErr || int(calls.Load()) != tt.calls {
				t.Errorf("err %v after %d calls; want error %v after %d", err, calls.Load(), tt.wantErr, tt.calls)
			}
			if err != nil && !errors.Is(err, ErrWebhook) {
				t.Errorf("error %v does not wrap ErrWebhook", err)
			}
		})
	}
	// A password in the URL never reaches the error.
	h := &WebhookHandler{URL: "http://user:secret@127.0.0.1:1/hook", Backoff: wait.Backoff{Duration: time.Millisecond, Steps: 1}}
	if err := h.Handle(t.Context(), Event{}); err == nil || strings.Contains(err.Error(), "secret") {
		t.Errorf("error %v", err)
	}
}

// TestDispatcher feeds informer callbacks as client-go delivers them on
// start, resync, relist and deletion with a lost final state.
func TestDispatcher(t *testing.T) {
	obj := func(rv string, size int64, managers ...string) *unstructured.Unstructured {
		u := &unstructured.Unstructured{Object: map[string]any{
			"metadata": map[string]any{"name": "a", "namespace": "ns", "resourceVersion": rv},
			"spec":     map[string]any{"size": size},
		}}
		for _, m := range managers {
			u.SetManagedFields(append(u.GetManagedFields(), metav1.ManagedFieldsEntry{Manager: m}))
		}
		return u
	}
	tests := []struct {
		name string
		opts Options
		want []string
	}{
		{"all", Options{}, []string{"ADDED true 1", "ADDED false 1", "MODIFIED false 3", "DELETED false 3"}},
		{"no initial", Options{NoInitial: true}, []string{"ADDED false 1", "MODIFIED false 3", "DELETED false 3"}},
		{"modified only", Options{Events: []EventType{Modified}}, []string{"MODIFIED false 3"}},
		{"spec ignored", Options{IgnoreFields: []string{"spec"}}, []string{"ADDED true 1", "ADDED false 1", "DELETED false 3"}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			w := New(nil, tt.opts)
			w.Handle("h", HandlerFunc(func(context.Context, Event) error { return nil }), QueueOptions{Size: 10})
			d := &dispatcher{w: w, ctx: t.Context(), context: "c"}
			d.onAdd(obj("1", 1), true)                      // initial list
			d.onUpdate(obj("1", 1), obj("1", 1))            // resync, or relist of an unchanged object
			d.onAdd(obj("1", 1), false)                     // created after the initial list
			d.onUpdate(obj("1", 1), obj("2", 1, "kubectl")) // only resourceVersion and managedFields
			d.onUpdate(obj("2", 1), obj("3", 2))
			d.onDelete(cache.DeletedFinalStateUnknown{Key: "ns/a", Obj: obj("3", 2)})
			d.onDelete("not an object")
			var got []string
			for w.handlers[0].q.n > 0 {
				ev, _ := w.handlers[0].q.pop(t.Context())
				if ev.Context != "c" || ev.Namespace != "ns" || ev.Name != "a" || ev.Time.IsZero() {
					t.Errorf("event %+v", ev)
				}
				got = append(got, fmt.Sprintf("%s %v %s", ev.Type, ev.Initial, ev.ResourceVersion))
			}
			if !reflect.DeepEqual(got, tt.want) {
				t.Errorf("events %q, want %q", got, tt.want)
			}
		})
	}
	stripped, _ := stripManagedFields(obj("1", 1, "kubectl"))
	if mf := stripped.(*unstructured.Unstructured).GetManagedFields(); mf != nil {
		t.Errorf("managedFields kept: %v", mf)
	}
}

// TestDeliverStopsAtOnce: once the context ends, no queued event reaches
// the handler any more, and what is left is counted as queued.
func TestDeliverStopsAtOnce(t *testing.T) {
	for _, policy := range []OnFull{DropOldest, Block} {
		t.Run(string(policy), func(t *testing.T) {
			ctx, cancel := context.WithCancel(t.Context())
			var handled []string
			w := New(nil, Options{})
			w.Handle("h", HandlerFunc(func(_ context.Context, ev Event) error {
				handled = append(handled, ev.Name)
				if ev.Name == "b" {
					cancel() // leadership lost while b is handled
				}
				return nil
			}), QueueOptions{Size: 10, OnFull: policy})
			h := w.handlers[0]
			for _, name := range []string{"a", "b", "c", "d"} {
				if _, err := h.q.push(t.Context(), Event{Name: name}, nil); err != nil {
					t.Fatal(err)
				}
			}
			w.deliver(ctx, h)
			if !reflect.DeepEqual(handled, []string{"a", "b"}) {
				t.Errorf("handled %q, want a, b", handled)
			}
			st := w.Stats()[0]
			if st.Delivered != 2 || st.Queued != 2 {
				t.Errorf("stats %+v, want 2 delivered, 2 queued", st)
			}
			if ev, err := h.q.pop(t.Context()); err != nil || ev.Name != "c" {
				t.Errorf("queue head %q (%v), want c", ev.Name, err)
			}
		})
	}
}
