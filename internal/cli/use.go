package cli

import (
	"fmt"

	"github.com/spf13/cobra"
)

// UseOptions are the options of kcfg use.
type UseOptions struct {
	EditFlags
	Name string
}

// NewCmdUse builds kcfg use.
func NewCmdUse(f *Factory, run func(*UseOptions) error) *cobra.Command {
	opts := &UseOptions{}
	cmd := &cobra.Command{
		Use:   "use [NAME|-]",
		Short: "Switch the current context",
		Long: `Switch the current context. "-" switches back to the previous one.
Only the current-context line changes; every other byte of the file stays.`,
		Example: `  kcfg use prod
  kcfg use -
  kcfg use staging --dry-run`,
		Args: cobra.MaximumNArgs(1),
		RunE: func(cmd *cobra.Command, args []string) error {
			if len(args) == 0 {
				return usageError(fmt.Errorf("give the context to switch to; %s", contextNames(f)))
			}
			opts.Name = args[0]
			if run != nil {
				return run(opts)
			}
			res, err := f.Editor(cmd, args, opts.DryRun).Use(cmd.Context(), opts.Name)
			if err != nil {
				return err
			}
			return report(f, res, opts.DryRun)
		},
	}
	addEditFlags(cmd, &opts.EditFlags, false)
	return cmd
}
