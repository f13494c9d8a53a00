package cli

import (
	"github.com/spf13/cobra"

	"github.com/kcfg-dev/kcfg/pkg/kubeconfig"
)

// DeleteOptions are the options of kcfg delete.
type DeleteOptions struct {
	EditFlags
	Names       []string
	KeepOrphans bool
}

// NewCmdDelete builds kcfg delete.
func NewCmdDelete(f *Factory, run func(*DeleteOptions) error) *cobra.Command {
	opts := &DeleteOptions{}
	cmd := &cobra.Command{
		Use:   "delete NAME...",
		Short: "Delete contexts and the clusters and users only they used",
		Long: `Delete contexts, and the clusters and users that no remaining context uses
(unless --keep-orphans). Deleting the current context unsets current-context.`,
		Example: `  kcfg delete old-cluster
  kcfg delete a b --keep-orphans --dry-run`,
		Args: cobra.MinimumNArgs(1),
		RunE: func(cmd *cobra.Command, args []string) error {
			opts.Names = args
			if run != nil {
				return run(opts)
			}
			res, err := f.Editor(cmd, args, opts.DryRun).Delete(cmd.Context(), opts.Names,
				kubeconfig.DeleteOptions{KeepOrphans: opts.KeepOrphans, In: opts.In})
			if err != nil {
				return err
			}
			return report(f, res, opts.DryRun)
		},
	}
	addEditFlags(cmd, &opts.EditFlags, true)
	cmd.Flags().BoolVar(&opts.KeepOrphans, "keep-orphans", false, "keep clusters and users no remaining context uses")
	return cmd
}
