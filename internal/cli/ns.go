package cli

import (
	"fmt"

	"github.com/spf13/cobra"
)

// NsOptions are the options of kcfg ns.
type NsOptions struct {
	EditFlags
	Namespace string
}

// NewCmdNs builds kcfg ns.
func NewCmdNs(f *Factory, run func(*NsOptions) error) *cobra.Command {
	opts := &NsOptions{}
	cmd := &cobra.Command{
		Use:   "ns NAME|-",
		Short: "Set the namespace of the current context",
		Long: `Set the namespace of the current context. "-" goes back to the namespace it had
before the last change. Only the namespace line of that context changes.`,
		Example: `  kcfg ns kube-system
  kcfg ns -
  kcfg ns team-a --in ~/.kube/work.yaml`,
		Args: cobra.MaximumNArgs(1),
		RunE: func(cmd *cobra.Command, args []string) error {
			if len(args) == 0 {
				return usageError(fmt.Errorf("give the namespace to use, or - for the previous one"))
			}
			opts.Namespace = args[0]
			if run != nil {
				return run(opts)
			}
			res, err := f.Editor(cmd, args, opts.DryRun).SetNamespace(cmd.Context(), opts.Namespace, opts.In)
			if err != nil {
				return err
			}
			return report(f, res, opts.DryRun)
		},
	}
	addEditFlags(cmd, &opts.EditFlags, true)
	return cmd
}
