package watch

import (
	"context"
	"sync"

	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	"k8s.io/apimachinery/pkg/runtime/schema"
	"k8s.io/apimachinery/pkg/watch"
	"k8s.io/client-go/dynamic"
)

// A gate holds back one context's watch streams while delivery waits on a
// full queue (OnFull Block). client-go buffers informer notifications
// without bound, so blocking in an event handler alone would only move the
// backlog into memory; holding the watch instead leaves it with the API
// server (which, if it waits too long, ends the watch; the informer then
// resumes from the last resourceVersion it saw, or relists).
type gate struct {
	mu      sync.Mutex
	blocked bool
	open    chan struct{} // closed while not blocked
	// active reports whether the informer has synced: the initial list is
	// never held back (a streamed list must complete before any event is
	// delivered).
	active func() bool
}

func newGate() *gate {
	g := &gate{open: make(chan struct{})}
	close(g.open)
	return g
}

func (g *gate) setBlocked(b bool) {
	g.mu.Lock()
	defer g.mu.Unlock()
	switch {
	case b && !g.blocked:
		g.open = make(chan struct{})
	case !b && g.blocked:
		close(g.open)
	}
	g.blocked = b
}

// wait returns true once events may flow, false when stop closes first.
func (g *gate) wait(stop <-chan struct{}) bool {
	if g.active != nil && !g.active() {
		return true
	}
	g.mu.Lock()
	open := g.open
	g.mu.Unlock()
	select {
	case <-open:
		return true
	case <-stop:
		return false
	}
}

// gatedClient is a dynamic client whose watches pass through a gate.
type gatedClient struct {
	dynamic.Interface
	g *gate
}

func (c gatedClient) Resource(r schema.GroupVersionResource) dynamic.NamespaceableResourceInterface {
	return gatedResource{c.Interface.Resource(r), c.g}
}

type gatedResource struct {
	dynamic.NamespaceableResourceInterface
	g *gate
}

func (r gatedResource) Namespace(ns string) dynamic.ResourceInterface {
	return gatedNamespaced{r.NamespaceableResourceInterface.Namespace(ns), r.g}
}

func (r gatedResource) Watch(ctx context.Context, opts metav1.ListOptions) (watch.Interface, error) {
	w, err := r.NamespaceableResourceInterface.Watch(ctx, opts)
	if err != nil {
		return nil, err
	}
	return newGatedWatch(w, r.g), nil
}

type gatedNamespaced struct {
	dynamic.ResourceInterface
	g *gate
}

func (r gatedNamespaced) Watch(ctx context.Context, opts metav1.ListOptions) (watch.Interface, error) {
	w, err := r.ResourceInterface.Watch(ctx, opts)
	if err != nil {
		return nil, err
	}
	return newGatedWatch(w, r.g), nil
}

func newGatedWatch(w watch.Interface, g *gate) *gatedWatch {
	gw := &gatedWatch{inner: w, g: g, out: make(chan watch.Event), stop: make(chan struct{})}
	go gw.run()
	return gw
}

// gatedWatch forwards the events of inner, waiting at the gate before each
// object event.
type gatedWatch struct {
	inner watch.Interface
	g     *gate
	out   chan watch.Event
	stop  chan struct{}
	once  sync.Once
}

func (w *gatedWatch) run() {
	defer close(w.out)
	in := w.inner.ResultChan()
	for {
		select {
		case ev, ok := <-in:
			if !ok {
				return
			}
			if ev.Type != watch.Bookmark && ev.Type != watch.Error && !w.g.wait(w.stop) {
				return
			}
			select {
			case w.out <- ev:
			case <-w.stop:
				return
			}
		case <-w.stop:
			return
		}
	}
}

func (w *gatedWatch) Stop() {
	w.once.Do(func() {
		close(w.stop)
		w.inner.Stop()
	})
}

func (w *gatedWatch) ResultChan() <-chan watch.Event { return w.out }
