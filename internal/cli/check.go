package cli

import (
	"errors"
	"fmt"
	"io"
	"sort"
	"strings"
	"sync"
	"text/tabwriter"
	"time"

	"github.com/spf13/cobra"

	"github.com/kcfg-dev/kcfg/pkg/clients"
	"github.com/kcfg-dev/kcfg/pkg/kubeconfig"
)

// CheckOptions are the options of kcfg check.
type CheckOptions struct {
	Names    []string
	All      bool
	Parallel int
	Timeout  time.Duration
	Output   string
}

// NewCmdCheck builds kcfg check.
func NewCmdCheck(f *Factory, run func(*CheckOptions) error) *cobra.Command {
	opts := &CheckOptions{}
	cmd := &cobra.Command{
		Use:   "check [NAME...|--all]",
		Short: "Connect to contexts and tell which work and why the others don't",
		Long: `Connect to each context, in parallel: DNS and TCP connect, TLS handshake, authentication
(the user name and groups the server sees, through SelfSubjectReview), server version and
round-trip latency. Without names, the current context (or --context) is checked.

Each context ends with a status: ok, unreachable, tls-error, unauthorized, forbidden,
timeout, or error (the context cannot be used as written). --timeout bounds each context,
so one dead cluster never delays the others. Exits 1 when any context fails.`,
		Example: `  kcfg check
  kcfg check --all
  kcfg check prod staging --timeout 2s
  kcfg check --all -o json | jq -r '.[] | select(.status != "ok") | .context'`,
		RunE: func(cmd *cobra.Command, args []string) error {
			if err := checkOutput(opts.Output, "table", "wide", "json", "yaml"); err != nil {
				return err
			}
			if opts.All && len(args) > 0 {
				return usageError(errors.New("give context names or --all, not both"))
			}
			if opts.Timeout <= 0 {
				return usageError(fmt.Errorf("--timeout must be positive, got %v", opts.Timeout))
			}
			if opts.Parallel <= 0 {
				return usageError(fmt.Errorf("--parallel must be at least 1, got %d", opts.Parallel))
			}
			opts.Names = args
			if run != nil {
				return run(opts)
			}
			return runCheck(cmd, f, opts)
		},
	}
	fl := cmd.Flags()
	fl.BoolVar(&opts.All, "all", false, "check every context")
	fl.IntVar(&opts.Parallel, "parallel", clients.DefaultParallel, "how many contexts to check at once")
	fl.DurationVar(&opts.Timeout, "timeout", clients.DefaultTimeout, "time allowed for each context")
	fl.StringVarP(&opts.Output, "output", "o", "table", "output format: table, wide, json or yaml")
	return cmd
}

func runCheck(cmd *cobra.Command, f *Factory, opts *CheckOptions) error {
	// Broken contexts are reported per context, so the references are
	// not validated up front.
	cfg, err := kubeconfig.Load(f.Source())
	if err != nil {
		return err
	}
	names, err := checkNames(f, cfg, opts)
	if err != nil {
		return err
	}
	progress := &progressLine{w: f.IO.ErrOut, on: f.IO.ErrTTY}
	results := clients.Check(cmd.Context(), cfg.Merged, names, clients.CheckOptions{
		Timeout: opts.Timeout, Parallel: opts.Parallel, Progress: progress.update,
	})
	progress.clear()
	if err := cmd.Context().Err(); err != nil {
		return err
	}
	if opts.Output == "json" || opts.Output == "yaml" {
		err = printData(f.IO.Out, opts.Output, results)
	} else {
		err = printCheck(f.IO.Out, results, opts.Output == "wide", f.IO.Color)
	}
	if err != nil {
		return err
	}
	for _, r := range results {
		if r.Status.Failed() {
			return silentFailure
		}
	}
	return nil
}

// checkNames returns the contexts to check: the names given, every context
// with --all, else --context, else the current context.
func checkNames(f *Factory, cfg *kubeconfig.Config, opts *CheckOptions) ([]string, error) {
	switch {
	case opts.All:
		var names []string
		for n := range cfg.Merged.Contexts {
			names = append(names, n)
		}
		sort.Strings(names)
		if len(names) == 0 {
			return nil, fmt.Errorf("no context is defined in %s", strings.Join(cfg.Source.Paths(), ", "))
		}
		return names, nil
	case len(opts.Names) > 0:
		var errs []error
		for _, n := range opts.Names {
			if _, err := cfg.Context(n); err != nil {
				errs = append(errs, err)
			}
		}
		return opts.Names, errors.Join(errs...)
	case f.Context != "":
		if _, err := cfg.Context(f.Context); err != nil {
			return nil, err
		}
		return []string{f.Context}, nil
	}
	name, err := cfg.CurrentContext()
	if err != nil {
		return nil, err
	}
	return []string{name}, nil
}

// printCheck writes the results as a table.
func printCheck(w io.Writer, results []clients.Result, wide, color bool) error {
	tw := tabwriter.NewWriter(w, 0, 4, 3, ' ', 0)
	header := "CONTEXT\tSTATUS\tSERVER\tIDENTITY\tVERSION\tLATENCY"
	if wide {
		header += "\tGROUPS\tADDRESS\tCONNECT\tTLS\tTOTAL"
	}
	fmt.Fprintln(tw, header+"\tDETAIL")
	for _, r := range results {
		user := ""
		if r.Identity != nil {
			user = r.Identity.Username
		}
		line := fmt.Sprintf("%s\t%s\t%s\t%s\t%s\t%s", r.Context, statusText(r.Status, color), r.Server, user,
			r.ServerVersion, duration(r.Timings.Latency))
		if wide {
			var groups []string
			if r.Identity != nil {
				groups = r.Identity.Groups
			}
			line += fmt.Sprintf("\t%s\t%s\t%s\t%s\t%s", strings.Join(groups, ","), r.Address,
				duration(r.Timings.Connect), duration(r.Timings.TLS), duration(r.Timings.Total))
		}
		fmt.Fprintln(tw, line+"\t"+detail(r))
	}
	return tw.Flush()
}

func detail(r clients.Result) string {
	if r.Status.Failed() {
		return fmt.Sprintf("%s: %s", r.Reason, r.Message)
	}
	if len(r.Notes) > 0 {
		return strings.Join(r.Notes, "; ")
	}
	return ""
}

func statusText(s clients.Status, color bool) string {
	switch s {
	case clients.StatusOK:
		return colorize(color, colorGreen, string(s))
	case clients.StatusTimeout:
		return colorize(color, colorYellow, string(s))
	}
	return colorize(color, colorRed, string(s))
}

// duration prints d in milliseconds, or nothing when it is zero.
func duration(d time.Duration) string {
	if d == 0 {
		return ""
	}
	if d < 10*time.Millisecond {
		return fmt.Sprintf("%.1fms", float64(d)/float64(time.Millisecond))
	}
	return fmt.Sprintf("%dms", d.Milliseconds())
}

// progressLine shows how far a check is on one line of a terminal, and
// nothing elsewhere.
type progressLine struct {
	w      io.Writer
	on     bool
	mu     sync.Mutex
	failed int
	shown  bool
}

func (p *progressLine) update(done, total int, r clients.Result) {
	if !p.on {
		return
	}
	p.mu.Lock()
	defer p.mu.Unlock()
	if r.Status.Failed() {
		p.failed++
	}
	fmt.Fprintf(p.w, "\r\x1b[Kchecked %d/%d contexts, %d failed (last: %s %s)", done, total, p.failed, r.Context, r.Status)
	p.shown = true
}

func (p *progressLine) clear() {
	p.mu.Lock()
	defer p.mu.Unlock()
	if p.shown {
		fmt.Fprint(p.w, "\r\x1b[K")
	}
}
