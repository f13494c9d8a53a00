package cli

import (
	"fmt"

	"github.com/spf13/cobra"
)

// RenameOptions are the options of kcfg rename.
type RenameOptions struct {
	EditFlags
	Old, New string
}

// NewCmdRename builds kcfg rename.
func NewCmdRename(f *Factory, run func(*RenameOptions) error) *cobra.Command {
	opts := &RenameOptions{}
	cmd := &cobra.Command{
		Use:     "rename OLD NEW",
		Short:   "Rename a context, fixing current-context and the previous-context memory",
		Example: `  kcfg rename kubernetes-admin@forest forest`,
		Args:    cobra.ExactArgs(2),
		RunE: func(cmd *cobra.Command, args []string) error {
			opts.Old, opts.New = args[0], args[1]
			if opts.New == "" {
				return usageError(fmt.Errorf("the new name of context %q cannot be empty", opts.Old))
			}
			if run != nil {
				return run(opts)
			}
			res, err := f.Editor(cmd, args, opts.DryRun).Rename(cmd.Context(), opts.Old, opts.New, opts.In)
			if err != nil {
				return err
			}
			return report(f, res, opts.DryRun)
		},
	}
	addEditFlags(cmd, &opts.EditFlags, true)
	return cmd
}
