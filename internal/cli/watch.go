package cli

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"net/url"
	"os"
	"strings"
	"sync"

	"github.com/spf13/cobra"
	"k8s.io/apimachinery/pkg/fields"
	"k8s.io/apimachinery/pkg/labels"
	"sigs.k8s.io/yaml"

	"github.com/kcfg-dev/kcfg/pkg/clients"
	"github.com/kcfg-dev/kcfg/pkg/kubeconfig"
	"github.com/kcfg-dev/kcfg/pkg/leader"
	"github.com/kcfg-dev/kcfg/pkg/watch"
)

// WatchOptions are the options of kcfg watch.
type WatchOptions struct {
	Resource, Name string

	Namespace     string
	AllNamespaces bool
	Selector      string
	FieldSelector string
	Contexts      []string
	AllContexts   bool

	Output       string
	NoInitial    bool
	Diff         bool
	Events       []string
	IgnoreFields []string

	Exec      string
	Webhook   string
	QueueSize int
	OnFull    string

	InCluster         bool
	ServiceAccountDir string

	LeaderElect    bool
	LeaseName      string
	LeaseNamespace string
	leader.Timings

	// Terminal is true when events are printed: without --exec or
	// --webhook, or with -o given explicitly.
	Terminal bool
}

// leaseFlags need --leader-elect.
var leaseFlags = []string{"lease-name", "lease-namespace", "lease-duration", "renew-deadline", "retry-period"}

// NewCmdWatch builds kcfg watch.
func NewCmdWatch(f *Factory, run func(context.Context, *WatchOptions) error) *cobra.Command {
	opts := &WatchOptions{}
	cmd := &cobra.Command{
		Use:   "watch RESOURCE [NAME]",
		Short: "Watch any resource, custom resources included, across contexts",
		Long: `Watch a resource with dynamic informers in one or more contexts and print each change:
ADDED, MODIFIED, DELETED, labelled with its context. RESOURCE is a plural, singular, kind or
short name, or resource.group, or resource.version.group. The initial list is shown as ADDED
(--no-initial hides it); updates that change only resourceVersion or managedFields (or the
--ignore-fields) are not shown. --exec runs a command for each event (event JSON on stdin,
KCFG_EVENT_* variables); --webhook POSTs the event JSON. Each handler has a bounded queue:
when it is full the oldest events are dropped and counted, or with --on-full block delivery
waits. A context that fails is reported on stderr and retried while the others go on.

In a pod, --in-cluster uses its service account instead of a kubeconfig (context
"in-cluster", namespace the pod's). --leader-elect lets several replicas share a Lease
(coordination.k8s.io/v1): only the one holding it watches and delivers; it stops at once when
it loses the Lease, and another replica takes over within the lease duration (at once when
the leader shuts down, as it releases the Lease).`,
		Example: `  kcfg watch pods
  kcfg watch widgets.demo.kcfg.dev -A --all-contexts -o json
  kcfg watch wd --contexts dev,prod -l app=demo --diff --ignore-fields status
  kcfg watch deploy web -n shop --events modified --diff
  kcfg watch wd --exec 'jq -c .object.spec >> changes.log'
  kcfg watch wd --webhook http://127.0.0.1:8080/hook --queue-size 100 --on-full block
  kcfg watch deployments -A -o json --in-cluster --leader-elect`,
		Args: cobra.RangeArgs(1, 2),
		RunE: func(cmd *cobra.Command, args []string) error {
			opts.Resource = args[0]
			if len(args) == 2 {
				opts.Name = args[1]
			}
			opts.Terminal = (opts.Exec == "" && opts.Webhook == "") || cmd.Flags().Changed("output")
			if err := opts.validate(f, cmd); err != nil {
				return err
			}
			if run != nil {
				return run(cmd.Context(), opts)
			}
			return runWatch(cmd.Context(), f, opts)
		},
	}
	fl := cmd.Flags()
	fl.StringVarP(&opts.Namespace, "namespace", "n", "", "namespace to watch (default: each context's namespace)")
	fl.BoolVarP(&opts.AllNamespaces, "all-namespaces", "A", false, "watch every namespace")
	fl.StringVarP(&opts.Selector, "selector", "l", "", "label selector, e.g. app=web,tier!=db")
	fl.StringVar(&opts.FieldSelector, "field-selector", "", "field selector, e.g. status.phase=Running")
	fl.StringSliceVar(&opts.Contexts, "contexts", nil, "contexts to watch, comma-separated (default: --context, else the current one)")
	fl.BoolVar(&opts.AllContexts, "all-contexts", false, "watch every context of the kubeconfig")
	fl.StringVarP(&opts.Output, "output", "o", "table", "output format: table, json (one event per line) or yaml")
	fl.BoolVar(&opts.NoInitial, "no-initial", false, "do not show the objects that exist when the watch starts")
	fl.BoolVar(&opts.Diff, "diff", false, "show the fields each update changed")
	fl.StringSliceVar(&opts.Events, "events", nil, "event types to show: added, modified, deleted (default: all)")
	fl.StringSliceVar(&opts.IgnoreFields, "ignore-fields", nil, "dotted fields whose changes alone are not shown, e.g. status,metadata.annotations")
	fl.StringVar(&opts.Exec, "exec", "", "run this shell command for each event (event JSON on stdin, KCFG_EVENT_* variables)")
	fl.StringVar(&opts.Webhook, "webhook", "", "POST each event's JSON to this URL (retried with backoff)")
	fl.IntVar(&opts.QueueSize, "queue-size", watch.DefaultQueueSize, "events each handler may hold before --on-full applies")
	fl.StringVar(&opts.OnFull, "on-full", "drop", "when a handler's queue is full: drop (the oldest, counted) or block")
	fl.BoolVar(&opts.InCluster, "in-cluster", false, "use the pod's service account instead of a kubeconfig")
	fl.StringVar(&opts.ServiceAccountDir, "service-account-dir", clients.ServiceAccountDir, "where the service account's token, ca.crt and namespace are")
	fl.BoolVar(&opts.LeaderElect, "leader-elect", false, "deliver only while holding a Lease, so that one replica of several delivers")
	fl.StringVar(&opts.LeaseName, "lease-name", "kcfg-watch", "name of the Lease")
	fl.StringVar(&opts.LeaseNamespace, "lease-namespace", "", "namespace of the Lease (default: the pod's, else default)")
	def := leader.DefaultTimings()
	fl.DurationVar(&opts.LeaseDuration, "lease-duration", def.LeaseDuration, "how long followers wait before taking over a Lease not renewed (whole seconds)")
	fl.DurationVar(&opts.RenewDeadline, "renew-deadline", def.RenewDeadline, "how long the leader tries to renew before it stops delivering")
	fl.DurationVar(&opts.RetryPeriod, "retry-period", def.RetryPeriod, "time between attempts to acquire or renew the Lease")
	return cmd
}

func (o *WatchOptions) validate(f *Factory, cmd *cobra.Command) error {
	if err := checkOutput(o.Output, "table", "json", "yaml"); err != nil {
		return err
	}
	var errs []error
	if o.AllNamespaces && o.Namespace != "" {
		errs = append(errs, errors.New("--namespace and --all-namespaces exclude each other"))
	}
	if o.AllContexts && len(o.Contexts) > 0 {
		errs = append(errs, errors.New("--contexts and --all-contexts exclude each other"))
	}
	if f.Context != "" && (o.AllContexts || len(o.Contexts) > 0) {
		errs = append(errs, errors.New("--context and --contexts/--all-contexts exclude each other"))
	}
	if _, err := watch.ParseEventTypes(o.Events); err != nil {
		errs = append(errs, fmt.Errorf("--events: %w", err))
	}
	if _, err := watch.ParseOnFull(o.OnFull); err != nil {
		errs = append(errs, fmt.Errorf("--on-full: %w", err))
	}
	if o.QueueSize < 1 {
		errs = append(errs, fmt.Errorf("--queue-size %d: want at least 1", o.QueueSize))
	}
	if _, err := labels.Parse(o.Selector); err != nil {
		errs = append(errs, fmt.Errorf("--selector %q: %w", o.Selector, err))
	}
	if _, err := fields.ParseSelector(o.FieldSelector); err != nil {
		errs = append(errs, fmt.Errorf("--field-selector %q: %w", o.FieldSelector, err))
	}
	if o.Webhook != "" {
		if u, err := url.Parse(o.Webhook); err != nil || (u.Scheme != "http" && u.Scheme != "https") || u.Host == "" {
			errs = append(errs, fmt.Errorf("--webhook %q: want an http:// or https:// URL", o.Webhook))
		}
	}
	if o.InCluster && (f.Kubeconfig != "" || f.Context != "" || o.AllContexts || len(o.Contexts) > 0) {
		errs = append(errs, errors.New("--in-cluster uses the pod's service account: it excludes --kubeconfig, --context, --contexts and --all-contexts"))
	}
	if o.LeaderElect {
		if o.AllContexts || len(o.Contexts) > 1 {
			errs = append(errs, errors.New("--leader-elect watches one context, whose cluster holds the Lease: it excludes --all-contexts and several --contexts"))
		}
		if err := o.Timings.Validate(); err != nil {
			errs = append(errs, err)
		}
	} else {
		for _, name := range leaseFlags {
			if cmd.Flags().Changed(name) {
				errs = append(errs, fmt.Errorf("--%s needs --leader-elect", name))
			}
		}
	}
	if len(errs) > 0 {
		return usageError(errors.Join(errs...))
	}
	return nil
}

// lockedWriter serialises writes from the handlers' goroutines.
type lockedWriter struct {
	mu *sync.Mutex
	w  io.Writer
}

func (l lockedWriter) Write(p []byte) (int, error) {
	l.mu.Lock()
	defer l.mu.Unlock()
	return l.w.Write(p)
}

func runWatch(ctx context.Context, f *Factory, opts *WatchOptions) error {
	targets, err := watchTargets(f, opts)
	if err != nil {
		return err
	}
	events, _ := watch.ParseEventTypes(opts.Events)
	onFull, _ := watch.ParseOnFull(opts.OnFull)
	var mu sync.Mutex
	out, errOut := lockedWriter{&mu, f.IO.Out}, lockedWriter{&mu, f.IO.ErrOut}
	var printer *eventPrinter
	if opts.Terminal {
		printer = &eventPrinter{out: out, format: opts.Output, diff: opts.Diff, color: f.IO.Color, contextWidth: contextWidth(targets)}
		if opts.Output == "table" {
			printer.header()
		}
	}
	// run watches until ctx ends; with --leader-elect, once per term as leader.
	run := func(ctx context.Context) error {
		w := watch.New(targets, watch.Options{
			Resource: opts.Resource, Name: opts.Name,
			Namespace: opts.Namespace, AllNamespaces: opts.AllNamespaces,
			LabelSelector: opts.Selector, FieldSelector: opts.FieldSelector,
			NoInitial: opts.NoInitial, Events: events, IgnoreFields: opts.IgnoreFields,
			Now:    f.Now,
			Notify: func(n watch.Notice) { fmt.Fprintf(errOut, "kcfg: %s\n", n) },
		})
		queue := watch.QueueOptions{Size: opts.QueueSize, OnFull: onFull}
		if printer != nil {
			w.Handle("terminal", watch.HandlerFunc(printer.print), queue)
		}
		if opts.Exec != "" {
			w.Handle("exec", &watch.ExecHandler{Command: opts.Exec, Stdout: out, Stderr: errOut}, queue)
		}
		if opts.Webhook != "" {
			w.Handle("webhook", &watch.WebhookHandler{URL: opts.Webhook}, queue)
		}
		if err := w.Run(ctx); err != nil {
			return err
		}
		for _, s := range w.Stats() {
			notDelivered := uint64(s.Queued) + s.Interrupted
			if s.Dropped > 0 || s.Failed > 0 || (opts.LeaderElect && notDelivered > 0) {
				fmt.Fprintf(errOut, "kcfg: handler %s: %d delivered, %d dropped (queue full), %d failed, %d not delivered\n",
					s.Name, s.Delivered, s.Dropped, s.Failed, notDelivered)
			}
		}
		return nil
	}
	if !opts.LeaderElect {
		if err := run(ctx); err != nil {
			return err
		}
		return ctx.Err()
	}
	host, err := os.Hostname()
	if err != nil || host == "" {
		host = "kcfg"
	}
	ns := opts.LeaseNamespace
	if ns == "" {
		ns = clients.InClusterNamespace(f.Getenv, opts.ServiceAccountDir)
	}
	err = leader.Run(ctx, leader.Config{
		REST:      targets[0].Clients.Config(),
		Namespace: ns, Name: opts.LeaseName,
		Identity: leader.NewIdentity(host),
		Timings:  opts.Timings,
		Notify:   func(n leader.Notice) { fmt.Fprintf(errOut, "kcfg: %s\n", n) },
	}, run)
	if err != nil {
		return err
	}
	return ctx.Err()
}

// watchTargets are the contexts to watch: the pod's own cluster with
// --in-cluster, else contexts of the kubeconfig.
func watchTargets(f *Factory, opts *WatchOptions) ([]watch.Target, error) {
	if opts.InCluster {
		t, err := watch.InClusterTarget(f.Getenv, opts.ServiceAccountDir)
		if err != nil {
			return nil, err
		}
		return []watch.Target{t}, nil
	}
	// Only the contexts watched must be usable (watch.Targets checks them).
	cfg, err := kubeconfig.Load(f.Source())
	if err != nil {
		return nil, err
	}
	contexts := opts.Contexts
	switch {
	case opts.AllContexts:
		contexts = watch.AllContexts(cfg)
	case len(contexts) == 0 && f.Context != "":
		contexts = []string{f.Context}
	}
	targets, err := watch.Targets(cfg, contexts)
	if err != nil {
		if len(targets) == 0 || errors.Is(err, kubeconfig.ErrContextNotFound) {
			return nil, err
		}
		// Contexts that cannot be used as written are reported; the
		// others are watched.
		printError(f, err)
	}
	return targets, nil
}

func contextWidth(targets []watch.Target) int {
	n := len("CONTEXT")
	for _, t := range targets {
		n = max(n, len(t.Clients.Context()))
	}
	return n
}

// eventPrinter is the terminal handler.
type eventPrinter struct {
	out          io.Writer
	format       string
	diff         bool
	color        bool
	contextWidth int
}

const rvWidth = len("RESOURCEVERSION")

func (p *eventPrinter) header() {
	fmt.Fprintf(p.out, "%-8s  %-*s  %-8s  %-*s  %s\n", "TIME", p.contextWidth, "CONTEXT", "EVENT", rvWidth, "RESOURCEVERSION", "NAME")
}

func (p *eventPrinter) print(_ context.Context, ev watch.Event) error {
	switch p.format {
	case "json", "yaml":
		data, err := json.Marshal(ev)
		if err != nil {
			return err
		}
		if p.format == "yaml" {
			if data, err = yaml.JSONToYAML(data); err != nil {
				return err
			}
			_, err = fmt.Fprintf(p.out, "---\n%s", data)
			return err
		}
		_, err = fmt.Fprintf(p.out, "%s\n", data)
		return err
	}
	name := ev.Name
	if ev.Namespace != "" {
		name = ev.Namespace + "/" + name
	}
	typ := fmt.Sprintf("%-8s", ev.Type)
	switch ev.Type {
	case watch.Added:
		typ = colorize(p.color, colorGreen, typ)
	case watch.Modified:
		typ = colorize(p.color, colorYellow, typ)
	case watch.Deleted:
		typ = colorize(p.color, colorRed, typ)
	}
	var b strings.Builder
	fmt.Fprintf(&b, "%-8s  %-*s  %s  %-*s  %s\n", ev.Time.Format("15:04:05"), p.contextWidth, ev.Context, typ, rvWidth, ev.ResourceVersion, name)
	if p.diff {
		for _, c := range ev.Changes {
			switch c.Op {
			case "add":
				fmt.Fprintf(&b, "    + %s: %s\n", c.Path, compact(c.New))
			case "remove":
				fmt.Fprintf(&b, "    - %s: %s\n", c.Path, compact(c.Old))
			default:
				fmt.Fprintf(&b, "    ~ %s: %s -> %s\n", c.Path, compact(c.Old), compact(c.New))
			}
		}
	}
	_, err := io.WriteString(p.out, b.String())
	return err
}

// compact renders a field value as one line of JSON, cut at 120 bytes.
func compact(v any) string {
	data, err := json.Marshal(v)
	if err != nil {
		return fmt.Sprint(v)
	}
	if len(data) > 120 {
		return string(data[:117]) + "..."
	}
	return string(data)
}
