package cli

import (
	"context"
	"fmt"
	"time"

	"github.com/spf13/cobra"

	"github.com/kcfg-dev/kcfg/pkg/clients"
	"github.com/kcfg-dev/kcfg/pkg/kubeconfig"
)

// NsOptions are the options of kcfg ns.
type NsOptions struct {
	EditFlags
	Namespace string
	// Timeout bounds reading the namespaces from the cluster.
	Timeout time.Duration
}

// NewCmdNs builds kcfg ns.
func NewCmdNs(f *Factory, run func(*NsOptions) error) *cobra.Command {
	opts := &NsOptions{}
	cmd := &cobra.Command{
		Use:   "ns [NAME|-]",
		Short: "Set the namespace of the current context, or list the cluster's namespaces",
		Long: `Set the namespace of the current context. "-" goes back to the namespace it had
before the last change. Only the namespace line of that context changes.

Without a name, list the namespaces of the current context's cluster (or --context's),
the one in use marked on a terminal.`,
		Example: `  kcfg ns
  kcfg ns kube-system
  kcfg ns -
  kcfg ns team-a --in ~/.kube/work.yaml`,
		Args: cobra.MaximumNArgs(1),
		RunE: func(cmd *cobra.Command, args []string) error {
			if len(args) > 0 {
				opts.Namespace = args[0]
			}
			if opts.Timeout <= 0 {
				return usageError(fmt.Errorf("--timeout must be positive, got %v", opts.Timeout))
			}
			if run != nil {
				return run(opts)
			}
			if opts.Namespace == "" {
				return listNamespaces(cmd.Context(), f, opts.Timeout)
			}
			res, err := f.Editor(cmd, args, opts.DryRun).SetNamespace(cmd.Context(), opts.Namespace, opts.In)
			if err != nil {
				return err
			}
			return report(f, res, opts.DryRun)
		},
	}
	addEditFlags(cmd, &opts.EditFlags, true)
	cmd.Flags().DurationVar(&opts.Timeout, "timeout", 10*time.Second, "how long to wait for the cluster when listing namespaces")
	return cmd
}

func listNamespaces(ctx context.Context, f *Factory, timeout time.Duration) error {
	// Only the context in use must be usable (clients.ForContext checks it).
	cfg, err := kubeconfig.Load(f.Source())
	if err != nil {
		return err
	}
	name := f.Context
	if name == "" {
		if name, err = cfg.CurrentContext(); err != nil {
			return err
		}
	}
	kctx, err := cfg.Context(name)
	if err != nil {
		return err
	}
	set, err := clients.ForContext(cfg.Merged, name)
	if err != nil {
		return err
	}
	ctx, cancel := context.WithTimeout(ctx, timeout)
	defer cancel()
	names, err := set.Namespaces(ctx)
	if err != nil {
		return err
	}
	current := kctx.Namespace
	if current == "" {
		current = "default"
	}
	for _, n := range names {
		if n == current && f.IO.OutTTY {
			n = colorize(f.IO.Color, colorGreen, n) + " (current)"
		}
		fmt.Fprintln(f.IO.Out, n)
	}
	return nil
}
