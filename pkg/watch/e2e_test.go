package watch_test

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"net/http"
	"net/http/httptest"
	"os"
	"path/filepath"
	"reflect"
	"slices"
	"strings"
	"sync"
	"testing"
	"time"

	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	"k8s.io/apimachinery/pkg/apis/meta/v1/unstructured"
	"k8s.io/apimachinery/pkg/runtime/schema"
	"k8s.io/apimachinery/pkg/util/wait"
	"k8s.io/client-go/dynamic"
	"k8s.io/client-go/rest"
	clientcmdapi "k8s.io/client-go/tools/clientcmd/api"
	"sigs.k8s.io/yaml"

	"github.com/kcfg-dev/kcfg/pkg/clients"
	"github.com/kcfg-dev/kcfg/pkg/watch"
)

func TestResolve(t *testing.T) {
	set := targets(t, "dev")[0].Clients
	widgets := "widgets.v1.demo.kcfg.dev"
	tests := []struct {
		name       string
		want       string
		namespaced bool
	}{
		{"widgets", widgets, true},
		{"widget", widgets, true},
		{"Widget", widgets, true},
		{"wd", widgets, true},
		{"WD", widgets, true},
		{"widgets.demo.kcfg.dev", widgets, true},
		{"widgets.v1.demo.kcfg.dev", widgets, true},
		{"Widget.demo.kcfg.dev", widgets, true},
		{"sprockets.a.kcfg.dev", "sprockets.v1.a.kcfg.dev", false},
		{"sprocket.b.kcfg.dev", "sprockets.v1.b.kcfg.dev", false},
		{"pods", "pods.v1", true},
		{"po", "pods.v1", true},
		{"deploy", "deployments.v1.apps", true},
		{"deployments.apps", "deployments.v1.apps", true},
		{"ns", "namespaces.v1", false},
		// events exist in the core group and in events.k8s.io: core wins.
		{"events", "events.v1", true},
		{"events.events.k8s.io", "events.v1.events.k8s.io", true},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			res, err := watch.Resolve(t.Context(), set, tt.name)
			if err != nil {
				t.Fatal(err)
			}
			if res.String() != tt.want || res.Namespaced != tt.namespaced {
				t.Errorf("Resolve(%q) = %s (namespaced %v), want %s (namespaced %v)", tt.name, res, res.Namespaced, tt.want, tt.namespaced)
			}
		})
	}
}

func TestResolveErrors(t *testing.T) {
	set := targets(t, "dev")[0].Clients
	tests := []struct {
		name        string
		want        error
		closest     string
		matches     []string
		noSuggestio bool
	}{
		{name: "widgit", want: watch.ErrNoMatch, closest: "widgets.demo.kcfg.dev"},
		{name: "widgetz.demo.kcfg.dev", want: watch.ErrNoMatch, closest: "widgets.demo.kcfg.dev"},
		{name: "widgets.v2.demo.kcfg.dev", want: watch.ErrNoMatch, closest: "widgets.demo.kcfg.dev"},
		{name: "widgets.other.kcfg.dev", want: watch.ErrNoMatch, closest: "widgets.demo.kcfg.dev"},
		{name: "qqqqqqqqqqqq", want: watch.ErrNoMatch, noSuggestio: true},
		{name: "sprockets", want: watch.ErrAmbiguous, matches: []string{"sprockets.a.kcfg.dev", "sprockets.b.kcfg.dev"}},
		{name: "Sprocket", want: watch.ErrAmbiguous, matches: []string{"sprockets.a.kcfg.dev", "sprockets.b.kcfg.dev"}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			_, err := watch.Resolve(t.Context(), set, tt.name)
			if !errors.Is(err, tt.want) {
				t.Fatalf("Resolve(%q) error = %v, want %v", tt.name, err, tt.want)
			}
			var re *watch.ResolveError
			if !errors.As(err, &re) {
				t.Fatalf("error %T is not a *ResolveError", err)
			}
			if re.Context != "dev" || re.Name != tt.name {
				t.Errorf("error names context %q and name %q", re.Context, re.Name)
			}
			if tt.closest != "" && (len(re.Closest) == 0 || re.Closest[0] != tt.closest) {
				t.Errorf("closest = %v, want %s first", re.Closest, tt.closest)
			}
			if tt.noSuggestio && len(re.Closest) > 0 {
				t.Errorf("closest = %v, want none", re.Closest)
			}
			if tt.matches != nil && !reflect.DeepEqual(re.Matches, tt.matches) {
				t.Errorf("matches = %v, want %v", re.Matches, tt.matches)
			}
			for _, s := range append(re.Matches, re.Closest...) {
				if !strings.Contains(err.Error(), s) {
					t.Errorf("message %q does not name %s", err, s)
				}
			}
		})
	}
}

func TestRunErrors(t *testing.T) {
	tests := []struct {
		name     string
		contexts []string
		opts     watch.Options
		want     error
		mention  []string
	}{
		{"ambiguous", []string{"dev", "prod"}, watch.Options{Resource: "sprockets"}, watch.ErrAmbiguous, []string{`context "dev"`, "sprockets.b.kcfg.dev"}},
		{"no match anywhere", []string{"dev", "prod"}, watch.Options{Resource: "widgit"}, watch.ErrNoMatch, []string{`context "dev"`, `context "prod"`, "widgets.demo.kcfg.dev"}},
		{"bad label selector", []string{"dev"}, watch.Options{Resource: "widgets", LabelSelector: "app in ("}, watch.ErrInvalidOptions, []string{"label selector"}},
		{"bad field selector", []string{"dev"}, watch.Options{Resource: "widgets", FieldSelector: "a=b=c=("}, watch.ErrInvalidOptions, []string{"field selector"}},
		{"every context down", []string{"down"}, watch.Options{Resource: "widgets"}, nil, []string{`context "down"`, "127.0.0.1:1"}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			w := watch.New(targets(t, tt.contexts...), tt.opts)
			w.Handle("none", watch.HandlerFunc(func(context.Context, watch.Event) error { return nil }), watch.QueueOptions{})
			ctx, cancel := context.WithTimeout(t.Context(), 30*time.Second)
			defer cancel()
			err := w.Run(ctx)
			if err == nil || ctx.Err() != nil {
				t.Fatalf("Run = %v (context: %v), want an error at once", err, ctx.Err())
			}
			if tt.want != nil && !errors.Is(err, tt.want) {
				t.Errorf("Run = %v, want %v", err, tt.want)
			}
			for _, m := range tt.mention {
				if !strings.Contains(err.Error(), m) {
					t.Errorf("error %q does not mention %s", err, m)
				}
			}
		})
	}
}

// TestEventSequence changes objects in two clusters and checks the exact
// events per object and context, under several options at once.
func TestEventSequence(t *testing.T) {
	namespace(t, "seq", "dev", "prod")
	dev, prod := client(t, "dev", "seq"), client(t, "prod", "seq")
	if _, err := dev.Create(t.Context(), widget("before", nil, 1), metav1.CreateOptions{}); err != nil {
		t.Fatal(err)
	}
	full := []string{"ADDED", "MODIFIED spec.size", "MODIFIED metadata.labels", "MODIFIED status", "DELETED"}
	cases := []struct {
		name string
		opts watch.Options
		want map[string][]string
	}{
		{"all events", watch.Options{},
			map[string][]string{"dev/before": {"ADDED initial"}, "dev/w": full, "prod/w": full}},
		{"no initial, added and deleted", watch.Options{NoInitial: true, Events: []watch.EventType{watch.Added, watch.Deleted}},
			map[string][]string{"dev/w": {"ADDED", "DELETED"}, "prod/w": {"ADDED", "DELETED"}}},
		{"ignore status and labels", watch.Options{IgnoreFields: []string{"status", "metadata.labels"}},
			map[string][]string{"dev/before": {"ADDED initial"}, "dev/w": {"ADDED", "MODIFIED spec.size", "DELETED"}, "prod/w": {"ADDED", "MODIFIED spec.size", "DELETED"}}},
	}
	recs := make([]*recorder, len(cases))
	for i, c := range cases {
		recs[i] = &recorder{}
		opts := c.opts
		opts.Resource, opts.Namespace, opts.Notify = "wd", "seq", recs[i].notify
		w := watch.New(targets(t, "dev", "prod"), opts)
		w.Handle("record", watch.HandlerFunc(recs[i].handle), watch.QueueOptions{})
		start(t, w, recs[i], "dev", "prod")
	}

	for _, c := range []dynamic.ResourceInterface{dev, prod} {
		ctx := t.Context()
		if _, err := c.Create(ctx, widget("w", nil, 1), metav1.CreateOptions{}); err != nil {
			t.Fatal(err)
		}
		mutate(t, c, "w", false, func(u *unstructured.Unstructured) {
			_ = unstructured.SetNestedField(u.Object, int64(2), "spec", "size")
		})
		mutate(t, c, "w", false, func(u *unstructured.Unstructured) { u.SetLabels(map[string]string{"tier": "gold"}) })
		mutate(t, c, "w", true, func(u *unstructured.Unstructured) {
			_ = unstructured.SetNestedField(u.Object, "Ready", "status", "phase")
		})
		// An update that changes nothing makes no new resourceVersion and no event.
		mutate(t, c, "w", false, func(*unstructured.Unstructured) {})
		if err := c.Delete(ctx, "w", metav1.DeleteOptions{}); err != nil {
			t.Fatal(err)
		}
	}

	for i, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			r := recs[i]
			done := func() bool {
				s := r.sequences()
				return slices.Contains(s["dev/w"], "DELETED") && slices.Contains(s["prod/w"], "DELETED")
			}
			eventually(t, 30*time.Second, done, func() string { return "events so far:\n" + joinLines(r.sequences()) })
			quiet(r, 300*time.Millisecond)
			if got := r.sequences(); !reflect.DeepEqual(got, c.want) {
				t.Errorf("events:\n%swant:\n%s", joinLines(got), joinLines(c.want))
			}
			evs, _ := r.snapshot()
			for _, ev := range evs {
				if ev.Namespace != "seq" || ev.ResourceVersion == "" || ev.ResourceVersion != ev.Object.GetResourceVersion() ||
					ev.Time.IsZero() || ev.Resource.String() != "widgets.v1.demo.kcfg.dev" {
					t.Errorf("event %s %s/%s: namespace %q, resourceVersion %q, time %v, resource %s",
						ev.Type, ev.Context, ev.Name, ev.Namespace, ev.ResourceVersion, ev.Time, ev.Resource)
				}
				if ev.Object.GetManagedFields() != nil {
					t.Errorf("event %s %s/%s: managedFields were not stripped", ev.Type, ev.Context, ev.Name)
				}
				if ev.Type == watch.Modified && ev.OldObject == nil {
					t.Errorf("MODIFIED %s/%s without the old object", ev.Context, ev.Name)
				}
			}
		})
	}
}

// mutate gets, changes and updates an object (its status when status is set).
func mutate(t *testing.T, c dynamic.ResourceInterface, name string, status bool, change func(*unstructured.Unstructured)) {
	t.Helper()
	u, err := c.Get(t.Context(), name, metav1.GetOptions{})
	if err != nil {
		t.Fatal(err)
	}
	change(u)
	if status {
		_, err = c.UpdateStatus(t.Context(), u, metav1.UpdateOptions{})
	} else {
		_, err = c.Update(t.Context(), u, metav1.UpdateOptions{})
	}
	if err != nil {
		t.Fatal(err)
	}
}

func TestSelectors(t *testing.T) {
	namespace(t, "selectors", "dev")
	c := client(t, "dev", "selectors")
	byLabel, byName, byField := &recorder{}, &recorder{}, &recorder{}
	for _, x := range []struct {
		r    *recorder
		opts watch.Options
	}{
		{byLabel, watch.Options{LabelSelector: "app=demo"}},
		{byName, watch.Options{Name: "b"}},
		{byField, watch.Options{FieldSelector: "metadata.name!=a"}},
	} {
		opts := x.opts
		opts.Resource, opts.Namespace, opts.Notify = "widgets.demo.kcfg.dev", "selectors", x.r.notify
		w := watch.New(targets(t, "dev"), opts)
		w.Handle("record", watch.HandlerFunc(x.r.handle), watch.QueueOptions{})
		start(t, w, x.r, "dev")
	}
	for _, o := range []*unstructured.Unstructured{
		widget("a", map[string]string{"app": "demo"}, 1),
		widget("b", map[string]string{"app": "other"}, 1),
		widget("c", nil, 1),
	} {
		if _, err := c.Create(t.Context(), o, metav1.CreateOptions{}); err != nil {
			t.Fatal(err)
		}
	}
	// c starts matching app=demo, a stops: the server sends ADDED and DELETED.
	mutate(t, c, "c", false, func(u *unstructured.Unstructured) { u.SetLabels(map[string]string{"app": "demo"}) })
	mutate(t, c, "a", false, func(u *unstructured.Unstructured) { u.SetLabels(map[string]string{"app": "other"}) })
	mutate(t, c, "b", false, func(u *unstructured.Unstructured) {
		_ = unstructured.SetNestedField(u.Object, int64(5), "spec", "size")
	})

	tests := []struct {
		name string
		r    *recorder
		want map[string][]string
	}{
		{"label selector", byLabel, map[string][]string{"dev/a": {"ADDED", "DELETED"}, "dev/c": {"ADDED"}}},
		{"name", byName, map[string][]string{"dev/b": {"ADDED", "MODIFIED spec.size"}}},
		{"field selector", byField, map[string][]string{"dev/b": {"ADDED", "MODIFIED spec.size"}, "dev/c": {"ADDED", "MODIFIED metadata.labels"}}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			eventually(t, 30*time.Second, func() bool {
				s := tt.r.sequences()
				for k, v := range tt.want {
					if len(s[k]) < len(v) {
						return false
					}
				}
				return true
			}, func() string { return "events so far:\n" + joinLines(tt.r.sequences()) })
			quiet(tt.r, 300*time.Millisecond)
			if got := tt.r.sequences(); !reflect.DeepEqual(got, tt.want) {
				t.Errorf("events:\n%swant:\n%s", joinLines(got), joinLines(tt.want))
			}
		})
	}
}

// TestSlowWebhook sends events to a slow webhook through a queue of two:
// the oldest are dropped and counted, the newest arrive, in order.
func TestSlowWebhook(t *testing.T) {
	namespace(t, "hook", "dev")
	var mu sync.Mutex
	var got []string
	srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		var ev struct {
			Type, Context, Name, Namespace string
		}
		body, _ := io.ReadAll(r.Body)
		if r.Method != http.MethodPost || r.Header.Get("Content-Type") != "application/json" || json.Unmarshal(body, &ev) != nil {
			t.Errorf("webhook got %s %s %q", r.Method, r.Header.Get("Content-Type"), body)
		}
		time.Sleep(300 * time.Millisecond)
		mu.Lock()
		got = append(got, ev.Context+" "+ev.Type+" "+ev.Namespace+"/"+ev.Name)
		mu.Unlock()
	}))
	defer srv.Close()

	r := &recorder{}
	w := watch.New(targets(t, "dev"), watch.Options{Resource: "widgets", Namespace: "hook", NoInitial: true, Notify: r.notify})
	w.Handle("webhook", &watch.WebhookHandler{URL: srv.URL}, watch.QueueOptions{Size: 2})
	start(t, w, r, "dev")
	const n = 20
	c := client(t, "dev", "hook")
	var names []string
	for i := range n {
		name := "w" + string(rune('a'+i))
		names = append(names, name)
		if _, err := c.Create(t.Context(), widget(name, nil, 1), metav1.CreateOptions{}); err != nil {
			t.Fatal(err)
		}
	}
	var st watch.HandlerStats
	eventually(t, 60*time.Second, func() bool {
		st = w.Stats()[0]
		return st.Delivered+st.Dropped == n && st.Queued == 0
	}, func() string { return "stats: " + jsonString(w.Stats()) })
	if st.Dropped == 0 || st.Failed != 0 || st.Name != "webhook" {
		t.Errorf("stats %+v: want drops, no failure", st)
	}
	mu.Lock()
	defer mu.Unlock()
	if uint64(len(got)) != st.Delivered {
		t.Errorf("webhook received %d events, stats say %d delivered", len(got), st.Delivered)
	}
	// The newest event is never the one dropped; what arrives is in order.
	if len(got) == 0 || got[len(got)-1] != "dev ADDED hook/"+names[n-1] {
		t.Errorf("webhook received %q, want the last event last", got)
	}
	if !slices.IsSorted(got) {
		t.Errorf("webhook received events out of order: %q", got)
	}
	_, notices := r.snapshot()
	i := slices.IndexFunc(notices, func(x watch.Notice) bool { return x.Kind == watch.QueueOverflow })
	if i < 0 || notices[i].Handler != "webhook" || notices[i].Dropped == 0 {
		t.Errorf("no overflow notice for the webhook in %v", notices)
	} else if !strings.Contains(notices[i].String(), "dropped") {
		t.Errorf("overflow notice reads %q", notices[i])
	}
}

// TestBlock makes a slow handler with a queue of two wait instead of drop:
// every event arrives, in order.
func TestBlock(t *testing.T) {
	namespace(t, "block", "dev")
	r := &recorder{}
	w := watch.New(targets(t, "dev"), watch.Options{Resource: "widgets", Namespace: "block", NoInitial: true, Notify: r.notify})
	w.Handle("slow", watch.HandlerFunc(func(ctx context.Context, ev watch.Event) error {
		time.Sleep(50 * time.Millisecond)
		return r.handle(ctx, ev)
	}), watch.QueueOptions{Size: 2, OnFull: watch.Block})
	start(t, w, r, "dev")
	const n = 20
	c := client(t, "dev", "block")
	var want []string
	for i := range n {
		name := "w" + string(rune('a'+i))
		want = append(want, "dev ADDED "+name)
		if _, err := c.Create(t.Context(), widget(name, nil, 1), metav1.CreateOptions{}); err != nil {
			t.Fatal(err)
		}
	}
	eventually(t, 60*time.Second, func() bool { evs, _ := r.snapshot(); return len(evs) >= n },
		func() string { return "stats: " + jsonString(w.Stats()) })
	quiet(r, 200*time.Millisecond)
	evs, _ := r.snapshot()
	var got []string
	for _, ev := range evs {
		got = append(got, ev.Context+" "+string(ev.Type)+" "+ev.Name)
	}
	if !reflect.DeepEqual(got, want) {
		t.Errorf("events %q, want %q", got, want)
	}
	st := w.Stats()[0]
	if st.Dropped != 0 || st.Waits == 0 || st.Delivered != n {
		t.Errorf("stats %+v: want no drop, some waits, %d delivered", st, n)
	}
}

func TestExecHandler(t *testing.T) {
	namespace(t, "exec", "dev", "prod")
	dir := t.TempDir()
	r := &recorder{}
	w := watch.New(targets(t, "dev", "prod"), watch.Options{Resource: "widget", Namespace: "exec", NoInitial: true, Notify: r.notify})
	script := `f="$OUT/$KCFG_EVENT_CONTEXT.$KCFG_EVENT_NAME.$KCFG_EVENT_TYPE"; cat > "$f.json"; env | grep '^KCFG_EVENT_' | sort > "$f.env"`
	w.Handle("exec", &watch.ExecHandler{Command: script, Env: []string{"OUT=" + dir, "PATH=" + os.Getenv("PATH")}}, watch.QueueOptions{})
	w.Handle("failing", &watch.ExecHandler{Command: "exit 3"}, watch.QueueOptions{})
	start(t, w, r, "dev", "prod")
	for _, cl := range []string{"dev", "prod"} {
		c := client(t, cl, "exec")
		if _, err := c.Create(t.Context(), widget("x", map[string]string{"app": "demo"}, 7), metav1.CreateOptions{}); err != nil {
			t.Fatal(err)
		}
		if err := c.Delete(t.Context(), "x", metav1.DeleteOptions{}); err != nil {
			t.Fatal(err)
		}
	}
	eventually(t, 30*time.Second, func() bool {
		for _, cl := range []string{"dev", "prod"} {
			if _, err := os.Stat(filepath.Join(dir, cl+".x.DELETED.env")); err != nil {
				return false
			}
		}
		return w.Stats()[1].Failed == 4
	}, func() string { return "stats: " + jsonString(w.Stats()) })

	for _, cl := range []string{"dev", "prod"} {
		for _, typ := range []string{"ADDED", "DELETED"} {
			base := filepath.Join(dir, cl+".x."+typ)
			data, err := os.ReadFile(base + ".json")
			if err != nil {
				t.Fatal(err)
			}
			var ev map[string]any
			if err := json.Unmarshal(data, &ev); err != nil {
				t.Fatalf("%s.json: %v", base, err)
			}
			for k, v := range map[string]any{"type": typ, "context": cl, "group": "demo.kcfg.dev", "version": "v1",
				"resource": "widgets", "kind": "Widget", "namespace": "exec", "name": "x"} {
				if ev[k] != v {
					t.Errorf("%s.json: %s = %v, want %v", base, k, ev[k], v)
				}
			}
			obj, _ := ev["object"].(map[string]any)
			if size, _, _ := unstructured.NestedFloat64(obj, "spec", "size"); size != 7 {
				t.Errorf("%s.json: object.spec.size = %v, want 7", base, size)
			}
			env, err := os.ReadFile(base + ".env")
			if err != nil {
				t.Fatal(err)
			}
			for _, line := range []string{"KCFG_EVENT_TYPE=" + typ, "KCFG_EVENT_CONTEXT=" + cl, "KCFG_EVENT_NAMESPACE=exec",
				"KCFG_EVENT_NAME=x", "KCFG_EVENT_KIND=Widget", "KCFG_EVENT_RESOURCE=widgets", "KCFG_EVENT_GROUP=demo.kcfg.dev",
				"KCFG_EVENT_RESOURCE_VERSION=" + ev["resourceVersion"].(string), "KCFG_EVENT_INITIAL=false"} {
				if !strings.Contains(string(env), line+"\n") {
					t.Errorf("%s.env lacks %s:\n%s", base, line, env)
				}
			}
		}
	}
	_, notices := r.snapshot()
	failed := 0
	for _, n := range notices {
		if n.Kind == watch.HandlerFailed && n.Handler == "failing" && strings.Contains(n.Err.Error(), "exit status 3") {
			failed++
		}
	}
	if failed != 4 {
		t.Errorf("%d handler-failed notices for the failing command, want 4: %v", failed, notices)
	}
}

// TestFailingContext watches a context whose server is down next to one
// that works: the working one delivers, the other is reported and retried.
func TestFailingContext(t *testing.T) {
	namespace(t, "resilient", "dev")
	r := &recorder{}
	w := watch.New(targets(t, "dev", "down"), watch.Options{Resource: "widgets", Namespace: "resilient", Notify: r.notify,
		Retry: wait.Backoff{Duration: 100 * time.Millisecond, Factor: 1, Steps: 1 << 20}})
	w.Handle("record", watch.HandlerFunc(r.handle), watch.QueueOptions{})
	start(t, w, r, "dev")
	if _, err := client(t, "dev", "resilient").Create(t.Context(), widget("a", nil, 1), metav1.CreateOptions{}); err != nil {
		t.Fatal(err)
	}
	eventually(t, 30*time.Second, func() bool {
		evs, ns := r.snapshot()
		fails := 0
		for _, n := range ns {
			if n.Kind == watch.ContextFailed && n.Context == "down" && n.Retry > 0 && strings.Contains(n.Err.Error(), "127.0.0.1:1") {
				fails++
			}
		}
		return fails >= 3 && len(evs) == 1 && evs[0].Context == "dev" && evs[0].Name == "a"
	}, func() string {
		evs, ns := r.snapshot()
		return jsonString(map[string]any{"events": len(evs), "notices": ns})
	})
}

// TestLateCRD watches a resource that one context does not define yet: it
// is reported and retried, and picked up once its CRD is installed.
func TestLateCRD(t *testing.T) {
	namespace(t, "late", "dev", "prod")
	r := &recorder{}
	w := watch.New(targets(t, "dev", "prod"), watch.Options{Resource: "gadgets", Namespace: "late", Notify: r.notify,
		Retry: wait.Backoff{Duration: 200 * time.Millisecond, Factor: 1, Steps: 1 << 20}})
	w.Handle("record", watch.HandlerFunc(r.handle), watch.QueueOptions{})
	start(t, w, r, "dev")
	eventually(t, 30*time.Second, func() bool {
		_, ns := r.snapshot()
		return slices.ContainsFunc(ns, func(n watch.Notice) bool {
			return n.Kind == watch.ContextFailed && n.Context == "prod" && errors.Is(n.Err, watch.ErrNoMatch)
		})
	}, func() string { _, ns := r.snapshot(); return jsonString(ns) })

	data, err := os.ReadFile("testdata/crd-late/gadgets.demo.kcfg.dev.yaml")
	if err != nil {
		t.Fatal(err)
	}
	crd := &unstructured.Unstructured{}
	if err := yaml.Unmarshal(data, &crd.Object); err != nil {
		t.Fatal(err)
	}
	dyn, err := dynamic.NewForConfig(shared.clusters["prod"].Config)
	if err != nil {
		t.Fatal(err)
	}
	crdGVR := schema.GroupVersionResource{Group: "apiextensions.k8s.io", Version: "v1", Resource: "customresourcedefinitions"}
	if _, err := dyn.Resource(crdGVR).Create(t.Context(), crd, metav1.CreateOptions{}); err != nil {
		t.Fatal(err)
	}
	eventually(t, 30*time.Second, func() bool { return r.synced("prod") }, func() string { _, ns := r.snapshot(); return jsonString(ns) })
	gadget := &unstructured.Unstructured{Object: map[string]any{
		"apiVersion": "demo.kcfg.dev/v1", "kind": "Gadget", "metadata": map[string]any{"name": "g"}}}
	gadgets := schema.GroupVersionResource{Group: "demo.kcfg.dev", Version: "v1", Resource: "gadgets"}
	if _, err := dyn.Resource(gadgets).Namespace("late").Create(t.Context(), gadget, metav1.CreateOptions{}); err != nil {
		t.Fatal(err)
	}
	eventually(t, 30*time.Second, func() bool {
		return reflect.DeepEqual(r.sequences(), map[string][]string{"prod/g": {"ADDED"}})
	}, func() string { return joinLines(r.sequences()) })
}

func jsonString(v any) string {
	data, _ := json.Marshal(v)
	return string(data)
}

// TestHungContext: a server that accepts connections and never answers, and
// a credential plugin that never ends, neither delay the other contexts
// beyond Options.ResolveTimeout; they are reported and retried, and Run
// returns promptly when its context ends, with no notice about the end.
func TestHungContext(t *testing.T) {
	namespace(t, "hung", "dev")
	answerless := httptest.NewTLSServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) { <-r.Context().Done() }))
	t.Cleanup(answerless.Close)
	plugin := filepath.Join(t.TempDir(), "plugin")
	if err := os.WriteFile(plugin, []byte("#!/bin/sh\nexec sleep 20\n"), 0o755); err != nil {
		t.Fatal(err)
	}
	ts := append(targets(t, "dev"),
		watch.Target{Clients: clients.New("answerless", &rest.Config{Host: answerless.URL, BearerToken: "x",
			TLSClientConfig: rest.TLSClientConfig{Insecure: true}})},
		watch.Target{Clients: clients.New("hung-plugin", &rest.Config{Host: answerless.URL,
			TLSClientConfig: rest.TLSClientConfig{Insecure: true},
			ExecProvider: &clientcmdapi.ExecConfig{APIVersion: "client.authentication.k8s.io/v1", Command: plugin,
				InteractiveMode: clientcmdapi.NeverExecInteractiveMode}})})
	r := &recorder{}
	w := watch.New(ts, watch.Options{Resource: "widgets", Namespace: "hung", Notify: r.notify, ResolveTimeout: time.Second,
		Retry: wait.Backoff{Duration: 100 * time.Millisecond, Factor: 1, Steps: 1 << 20}})
	w.Handle("record", watch.HandlerFunc(r.handle), watch.QueueOptions{})
	ctx, cancel := context.WithCancel(t.Context())
	defer cancel()
	done := make(chan error, 1)
	go func() { done <- w.Run(ctx) }()
	eventually(t, 10*time.Second, func() bool {
		_, ns := r.snapshot()
		failed := func(name string) bool {
			return slices.ContainsFunc(ns, func(n watch.Notice) bool { return n.Kind == watch.ContextFailed && n.Context == name })
		}
		return r.synced("dev") && failed("answerless") && failed("hung-plugin")
	}, func() string { _, ns := r.snapshot(); return fmt.Sprintf("notices: %v", ns) })

	cancel()
	_, before := r.snapshot()
	select {
	case err := <-done:
		if err != nil {
			t.Errorf("Run = %v", err)
		}
	case <-time.After(3 * time.Second):
		t.Fatal("Run did not return within 3s of its context ending")
	}
	_, after := r.snapshot()
	for _, n := range after[len(before):] {
		if n.Kind == watch.ContextFailed {
			t.Errorf("notice after the end: %v", n)
		}
	}
	for _, n := range after {
		if n.Kind == watch.ContextFailed && errors.Is(n.Err, context.Canceled) {
			t.Errorf("the end reported as a failure: %v", n)
		}
	}
}

// TestStatsCountEveryEvent: an event that a handler is still handling when
// the watch ends is counted as interrupted, so that delivered, failed,
// dropped, queued and interrupted add up to every event.
func TestStatsCountEveryEvent(t *testing.T) {
	namespace(t, "inflight", "dev")
	c := client(t, "dev", "inflight")
	for _, name := range []string{"a", "b", "c"} {
		if _, err := c.Create(t.Context(), widget(name, nil, 1), metav1.CreateOptions{}); err != nil {
			t.Fatal(err)
		}
	}
	r := &recorder{}
	w := watch.New(targets(t, "dev"), watch.Options{Resource: "widgets", Namespace: "inflight", Notify: r.notify})
	entered := make(chan struct{}, 3)
	w.Handle("stuck", watch.HandlerFunc(func(ctx context.Context, ev watch.Event) error {
		entered <- struct{}{}
		<-ctx.Done()
		return ctx.Err()
	}), watch.QueueOptions{Size: 10})
	ctx, cancel := context.WithCancel(t.Context())
	done := make(chan error, 1)
	go func() { done <- w.Run(ctx) }()
	eventually(t, 30*time.Second, func() bool { return r.synced("dev") }, func() string { _, ns := r.snapshot(); return jsonString(ns) })
	<-entered
	cancel()
	if err := <-done; err != nil {
		t.Fatal(err)
	}
	st := w.Stats()[0]
	if st.Interrupted != 1 || st.Delivered != 0 || st.Failed != 0 || st.Dropped != 0 || st.Queued != 2 {
		t.Errorf("stats %+v: want 1 interrupted and 2 queued", st)
	}
}
