package watch

import (
	"context"
	"errors"
	"fmt"
	"math"
	"slices"
	"sort"
	"sync"
	"sync/atomic"
	"time"

	"github.com/go-logr/logr"
	"k8s.io/apimachinery/pkg/api/meta"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	"k8s.io/apimachinery/pkg/apis/meta/v1/unstructured"
	"k8s.io/apimachinery/pkg/fields"
	"k8s.io/apimachinery/pkg/labels"
	"k8s.io/apimachinery/pkg/util/wait"
	"k8s.io/client-go/dynamic"
	"k8s.io/client-go/dynamic/dynamicinformer"
	"k8s.io/client-go/tools/cache"
	"k8s.io/klog/v2"

	"github.com/kcfg-dev/kcfg/pkg/clients"
	"github.com/kcfg-dev/kcfg/pkg/kubeconfig"
)

// DefaultQueueSize is the queue size of a handler registered with Size 0.
const DefaultQueueSize = 1000

// Target is one context to watch.
type Target struct {
	Clients *clients.Set
	// Namespace is the context's own namespace, used when Options names
	// none; empty means "default".
	Namespace string
}

// Targets builds the targets of the named contexts of cfg, each with its
// context's namespace; no name means the current context.
func Targets(cfg *kubeconfig.Config, contexts []string) ([]Target, error) {
	if len(contexts) == 0 {
		cur, err := cfg.CurrentContext()
		if err != nil {
			return nil, err
		}
		contexts = []string{cur}
	}
	var out []Target
	var errs []error
	for _, name := range contexts {
		kctx, err := cfg.Context(name)
		if err != nil {
			errs = append(errs, err)
			continue
		}
		set, err := clients.ForContext(cfg.Merged, name)
		if err != nil {
			errs = append(errs, err)
			continue
		}
		out = append(out, Target{Clients: set, Namespace: kctx.Namespace})
	}
	return out, errors.Join(errs...)
}

// AllContexts returns the names of every context of cfg, sorted.
func AllContexts(cfg *kubeconfig.Config) []string {
	names := make([]string, 0, len(cfg.Merged.Contexts))
	for n := range cfg.Merged.Contexts {
		names = append(names, n)
	}
	sort.Strings(names)
	return names
}

// Options say what to watch and which events to deliver.
type Options struct {
	// Resource is the resource's name, resolved by Resolve in each context.
	Resource string
	// Name, when set, follows only the object of that name.
	Name string
	// Namespace overrides each target's namespace; AllNamespaces watches
	// every namespace. Both are ignored for cluster-scoped resources.
	Namespace     string
	AllNamespaces bool
	// LabelSelector and FieldSelector filter objects on the server.
	LabelSelector, FieldSelector string
	// NoInitial leaves out the ADDED events of the initial list.
	NoInitial bool
	// Events are the types to deliver; empty means all.
	Events []EventType
	// IgnoreFields are dotted paths ("status", "metadata.labels") whose
	// changes alone make no MODIFIED event, and which Event.Changes omits.
	IgnoreFields []string
	// Notify receives notices (failures, syncs, overflows); it may be
	// called from several goroutines at once. Nil drops them.
	Notify func(Notice)
	// Now is the clock for Event.Time; nil means time.Now.
	Now func() time.Time
	// ResolveTimeout bounds each attempt to resolve the resource in a
	// context (discovery, credential plugins included), so that a server
	// that never answers does not hold up the others; zero means 10 s.
	ResolveTimeout time.Duration
	// Retry spaces the attempts of a context that could not start; zero
	// means 1 s, doubling, at most 30 s. The informers of a started context
	// retry on their own.
	Retry wait.Backoff
}

// NoticeKind says what a Notice reports.
type NoticeKind string

// The kinds of notices.
const (
	// ContextFailed: a context could not start or lost its watch; it is
	// retried (after Retry, when not zero).
	ContextFailed NoticeKind = "context-failed"
	// ContextSynced: a context's informer has listed its objects
	// (Objects) and delivered them.
	ContextSynced NoticeKind = "context-synced"
	// HandlerFailed: a handler returned an error for an event.
	HandlerFailed NoticeKind = "handler-failed"
	// QueueOverflow: a handler's queue was full and its oldest events are
	// being dropped; Dropped is the total so far. Reported once per
	// overflow (until the queue is next empty).
	QueueOverflow NoticeKind = "queue-overflow"
)

// Notice reports something that is not an event: a context that failed or
// synced, a handler that failed, a queue that overflowed.
type Notice struct {
	Kind      NoticeKind
	Context   string
	Handler   string
	Resource  Resource
	Namespace string
	Objects   int
	Dropped   uint64
	Retry     time.Duration
	Err       error
}

// String describes the notice in one line.
func (n Notice) String() string {
	switch n.Kind {
	case ContextFailed:
		if n.Retry > 0 {
			return fmt.Sprintf("%v (retrying in %s)", n.Err, n.Retry.Round(time.Millisecond))
		}
		return fmt.Sprintf("%v (retrying)", n.Err)
	case ContextSynced:
		where := "all namespaces"
		switch {
		case !n.Resource.Namespaced:
			where = "cluster scope"
		case n.Namespace != "":
			where = "namespace " + n.Namespace
		}
		return fmt.Sprintf("context %q: watching %s in %s (%d objects)", n.Context, n.Resource, where, n.Objects)
	case HandlerFailed:
		return fmt.Sprintf("handler %s: %v", n.Handler, n.Err)
	case QueueOverflow:
		return fmt.Sprintf("handler %s: queue full, dropping oldest events (%d dropped so far)", n.Handler, n.Dropped)
	}
	return string(n.Kind)
}

// QueueOptions size a handler's queue.
type QueueOptions struct {
	// Size is the most events held for the handler; 0 means DefaultQueueSize.
	Size int
	// OnFull is DropOldest (the default) or Block.
	OnFull OnFull
}

// HandlerStats count what happened to a handler's events.
type HandlerStats struct {
	Name      string
	Delivered uint64 // handled without error
	Failed    uint64 // handled with an error
	Dropped   uint64 // dropped from a full queue
	Waits     uint64 // times delivery waited on a full queue (Block)
	Queued    int    // waiting in the queue now
	// Interrupted counts events the handler was still handling when the
	// watch ended: not delivered.
	Interrupted uint64
}

type handlerEntry struct {
	name      string
	h         Handler
	q         *queue
	delivered atomic.Uint64
	failed    atomic.Uint64
	// interrupted counts events whose handling the end of the watch cut short.
	interrupted atomic.Uint64
}

// Watcher watches one resource across targets and feeds handlers.
type Watcher struct {
	targets  []Target
	opts     Options
	handlers []*handlerEntry
	running  atomic.Bool
}

// New returns a watcher of opts.Resource in targets. Register handlers
// with Handle, then call Run.
func New(targets []Target, opts Options) *Watcher {
	return &Watcher{targets: targets, opts: opts}
}

// Handle registers h under name, with its own queue. It must be called
// before Run.
func (w *Watcher) Handle(name string, h Handler, q QueueOptions) {
	if w.running.Load() {
		panic("watch: Handle called after Run")
	}
	size := q.Size
	if size == 0 {
		size = DefaultQueueSize
	}
	policy := q.OnFull
	if policy == "" {
		policy = DropOldest
	}
	w.handlers = append(w.handlers, &handlerEntry{name: name, h: h, q: newQueue(size, policy)})
}

// Stats returns the counters of every handler, in registration order.
func (w *Watcher) Stats() []HandlerStats {
	out := make([]HandlerStats, 0, len(w.handlers))
	for _, h := range w.handlers {
		dropped, waits, queued := h.q.stats()
		out = append(out, HandlerStats{Name: h.name, Delivered: h.delivered.Load(), Failed: h.failed.Load(),
			Dropped: dropped, Waits: waits, Queued: queued, Interrupted: h.interrupted.Load()})
	}
	return out
}

// ErrInvalidOptions is wrapped by the errors Run returns for options that
// can never work.
var ErrInvalidOptions = errors.New("invalid watch options")

func (w *Watcher) check() error {
	switch {
	case len(w.targets) == 0:
		return fmt.Errorf("%w: no context to watch", ErrInvalidOptions)
	case len(w.handlers) == 0:
		return fmt.Errorf("%w: no handler", ErrInvalidOptions)
	case w.opts.Resource == "":
		return fmt.Errorf("%w: no resource", ErrInvalidOptions)
	}
	if _, err := labels.Parse(w.opts.LabelSelector); err != nil {
		return fmt.Errorf("%w: label selector %q: %w", ErrInvalidOptions, w.opts.LabelSelector, err)
	}
	if _, err := fields.ParseSelector(w.opts.FieldSelector); err != nil {
		return fmt.Errorf("%w: field selector %q: %w", ErrInvalidOptions, w.opts.FieldSelector, err)
	}
	for _, h := range w.handlers {
		if h.q.policy != DropOldest && h.q.policy != Block {
			return fmt.Errorf("%w: handler %s: on-full policy %q", ErrInvalidOptions, h.name, h.q.policy)
		}
	}
	return nil
}

// Run resolves the resource in every target, starts the informers and
// delivers events until ctx ends; then it returns nil. It returns an error
// at once when the options are invalid, when the name is ambiguous in a
// context, or when no context could start at all. A context that fails
// while another starts is reported through Notify and retried.
func (w *Watcher) Run(ctx context.Context) error {
	if !w.running.CompareAndSwap(false, true) {
		return errors.New("watch: Run called twice")
	}
	if err := w.check(); err != nil {
		return err
	}
	// client-go logs through klog; a library stays quiet: failures reach
	// the caller through Notify.
	ctx = klog.NewContext(ctx, logr.Discard())

	type result struct {
		res Resource
		err error
	}
	results := make([]result, len(w.targets))
	var wg sync.WaitGroup
	for i, t := range w.targets {
		wg.Go(func() {
			res, err := resolveWithin(ctx, t.Clients, w.opts.Resource, w.opts.ResolveTimeout)
			results[i] = result{res, err}
		})
	}
	wg.Wait()
	var ambiguous, failed []error
	started := 0
	for _, r := range results {
		switch {
		case errors.Is(r.err, ErrAmbiguous):
			ambiguous = append(ambiguous, r.err)
		case r.err != nil:
			failed = append(failed, r.err)
		default:
			started++
		}
	}
	if len(ambiguous) > 0 {
		return errors.Join(ambiguous...)
	}
	if started == 0 {
		return errors.Join(failed...)
	}

	for _, h := range w.handlers {
		wg.Go(func() { w.deliver(ctx, h) })
	}
	for i, t := range w.targets {
		wg.Go(func() { w.runContext(ctx, t, results[i].res, results[i].err) })
	}
	wg.Wait()
	return nil
}

func (w *Watcher) notify(n Notice) {
	if w.opts.Notify != nil {
		w.opts.Notify(n)
	}
}

// deliver hands h its events one by one until ctx ends. Once ctx has
// ended no further event is handed over, even one already queued: a
// watcher stopped because it lost its leadership must stop delivering at
// once. What is left is counted in HandlerStats.Queued.
func (w *Watcher) deliver(ctx context.Context, h *handlerEntry) {
	for {
		ev, err := h.q.pop(ctx)
		if err != nil {
			return
		}
		if ctx.Err() != nil {
			h.q.unpop(ev)
			return
		}
		if err := h.h.Handle(ctx, ev); err != nil {
			if ctx.Err() != nil {
				h.interrupted.Add(1)
				return
			}
			h.failed.Add(1)
			w.notify(Notice{Kind: HandlerFailed, Context: ev.Context, Handler: h.name, Resource: ev.Resource, Err: err})
			continue
		}
		h.delivered.Add(1)
	}
}

// runContext retries resolution while it fails, then runs the informer.
func (w *Watcher) runContext(ctx context.Context, t Target, res Resource, err error) {
	b := w.opts.Retry
	if b.Steps == 0 {
		b = wait.Backoff{Duration: time.Second, Factor: 2, Jitter: 0.1, Steps: math.MaxInt32, Cap: 30 * time.Second}
	}
	for err != nil {
		if ctx.Err() != nil {
			return // the end of the watch, not a failure
		}
		d := b.Step()
		w.notify(Notice{Kind: ContextFailed, Context: t.Clients.Context(), Err: err, Retry: d})
		timer := time.NewTimer(d)
		select {
		case <-ctx.Done():
			timer.Stop()
			return
		case <-timer.C:
		}
		// See resources (custom ones included) defined since the last try.
		if m, merr := t.Clients.RESTMapper(); merr == nil {
			m.Reset()
		}
		res, err = resolveWithin(ctx, t.Clients, w.opts.Resource, w.opts.ResolveTimeout)
	}
	w.inform(ctx, t, res)
}

func (w *Watcher) blocking() bool {
	return slices.ContainsFunc(w.handlers, func(h *handlerEntry) bool { return h.q.policy == Block })
}

// namespace is the namespace scope of an informer for res in t.
func (w *Watcher) namespace(t Target, res Resource) string {
	switch {
	case !res.Namespaced || w.opts.AllNamespaces:
		return metav1.NamespaceAll
	case w.opts.Namespace != "":
		return w.opts.Namespace
	case t.Namespace != "":
		return t.Namespace
	}
	return metav1.NamespaceDefault
}

// inform runs one dynamic shared informer factory for t's context and
// namespace scope until ctx ends.
func (w *Watcher) inform(ctx context.Context, t Target, res Resource) {
	name := t.Clients.Context()
	dyn, err := t.Clients.Dynamic()
	if err != nil {
		w.notify(Notice{Kind: ContextFailed, Context: name, Err: err})
		return
	}
	ns := w.namespace(t, res)
	d := &dispatcher{w: w, ctx: ctx, context: name, res: res}
	var client dynamic.Interface = dyn
	if w.blocking() {
		d.gate = newGate()
		client = gatedClient{Interface: dyn, g: d.gate}
	}
	factory := dynamicinformer.NewFilteredDynamicSharedInformerFactory(client, 0, ns, w.tweak)
	inf := factory.ForResource(res.GroupVersionResource).Informer()
	// Errors below only happen once an informer has started.
	_ = inf.SetTransform(stripManagedFields)
	_ = inf.SetWatchErrorHandlerWithContext(func(_ context.Context, _ *cache.Reflector, err error) {
		w.notify(Notice{Kind: ContextFailed, Context: name, Resource: res,
			Err: fmt.Errorf("context %q: watching %s: %w", name, res, err)})
	})
	discard := logr.Discard()
	reg, err := inf.AddEventHandlerWithOptions(cache.ResourceEventHandlerDetailedFuncs{
		AddFunc:    d.onAdd,
		UpdateFunc: d.onUpdate,
		DeleteFunc: d.onDelete,
	}, cache.HandlerOptions{Logger: &discard})
	if err != nil {
		w.notify(Notice{Kind: ContextFailed, Context: name, Err: err})
		return
	}
	if d.gate != nil {
		d.gate.active = inf.HasSynced
	}
	var run sync.WaitGroup
	run.Go(func() { inf.RunWithContext(ctx) })
	defer run.Wait()
	err = wait.PollUntilContextCancel(ctx, 50*time.Millisecond, true, func(context.Context) (bool, error) {
		return reg.HasSynced(), nil
	})
	if err != nil {
		return
	}
	w.notify(Notice{Kind: ContextSynced, Context: name, Resource: res, Namespace: ns, Objects: len(inf.GetStore().ListKeys())})
	<-ctx.Done()
}

func (w *Watcher) tweak(o *metav1.ListOptions) {
	o.LabelSelector = w.opts.LabelSelector
	fs := w.opts.FieldSelector
	if w.opts.Name != "" {
		byName := fields.OneTermEqualSelector("metadata.name", w.opts.Name).String()
		if fs == "" {
			fs = byName
		} else {
			fs = byName + "," + fs
		}
	}
	o.FieldSelector = fs
}

// stripManagedFields drops metadata.managedFields before an object is
// cached: they are large and say nothing a watcher needs.
func stripManagedFields(obj any) (any, error) {
	if a, err := meta.Accessor(obj); err == nil && a.GetManagedFields() != nil {
		a.SetManagedFields(nil)
	}
	return obj, nil
}

// dispatcher turns one informer's callbacks into events on every handler's
// queue. Callbacks of one informer come from one goroutine, in order.
type dispatcher struct {
	w       *Watcher
	ctx     context.Context
	context string
	res     Resource
	gate    *gate
}

func (d *dispatcher) onAdd(obj any, isInInitialList bool) {
	u, ok := obj.(*unstructured.Unstructured)
	if !ok || (isInInitialList && d.w.opts.NoInitial) {
		return
	}
	d.emit(Event{Type: Added, Initial: isInInitialList, Object: u})
}

func (d *dispatcher) onUpdate(oldObj, newObj any) {
	o, ok1 := oldObj.(*unstructured.Unstructured)
	n, ok2 := newObj.(*unstructured.Unstructured)
	if !ok1 || !ok2 || o.GetResourceVersion() == n.GetResourceVersion() {
		return // a resync or a relist that found the object unchanged
	}
	changes := Diff(o.Object, n.Object, d.w.opts.IgnoreFields)
	if len(changes) == 0 {
		return
	}
	d.emit(Event{Type: Modified, Object: n, OldObject: o, Changes: changes})
}

func (d *dispatcher) onDelete(obj any) {
	if tomb, ok := obj.(cache.DeletedFinalStateUnknown); ok {
		obj = tomb.Obj
	}
	if u, ok := obj.(*unstructured.Unstructured); ok {
		d.emit(Event{Type: Deleted, Object: u})
	}
}

func (d *dispatcher) emit(ev Event) {
	if len(d.w.opts.Events) > 0 && !slices.Contains(d.w.opts.Events, ev.Type) {
		return
	}
	ev.Context = d.context
	ev.Resource = d.res
	ev.Namespace = ev.Object.GetNamespace()
	ev.Name = ev.Object.GetName()
	ev.ResourceVersion = ev.Object.GetResourceVersion()
	if d.w.opts.Now != nil {
		ev.Time = d.w.opts.Now()
	} else {
		ev.Time = time.Now()
	}
	var waiting func(bool)
	if d.gate != nil {
		waiting = d.gate.setBlocked
	}
	for _, h := range d.w.handlers {
		overflow, err := h.q.push(d.ctx, ev, waiting)
		if err != nil {
			return
		}
		if overflow {
			dropped, _, _ := h.q.stats()
			d.w.notify(Notice{Kind: QueueOverflow, Context: d.context, Handler: h.name, Resource: d.res, Dropped: dropped})
		}
	}
}

// InClusterTarget is the target of a pod's own cluster, through its service
// account (see clients.InCluster), labelled "in-cluster"; its namespace is
// the pod's.
func InClusterTarget(getenv func(string) string, serviceAccountDir string) (Target, error) {
	set, err := clients.InCluster(getenv, serviceAccountDir)
	if err != nil {
		return Target{}, err
	}
	return Target{Clients: set, Namespace: clients.InClusterNamespace(getenv, serviceAccountDir)}, nil
}
