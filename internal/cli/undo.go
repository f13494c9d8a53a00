package cli

import (
	"github.com/spf13/cobra"
)

// UndoOptions are the options of kcfg undo.
type UndoOptions struct {
	EditFlags
}

// NewCmdUndo builds kcfg undo.
func NewCmdUndo(f *Factory, run func(*UndoOptions) error) *cobra.Command {
	opts := &UndoOptions{}
	cmd := &cobra.Command{
		Use:   "undo",
		Short: "Restore the kubeconfig as it was before kcfg's last write to it",
		Long: `Restore the kubeconfig files as they were before kcfg's last write to them, from
the backups kept in $XDG_STATE_HOME/kcfg (default ~/.local/state/kcfg). A file
changed since by another program is left alone, so undo never loses work.`,
		Example: `  kcfg undo
  kcfg undo --dry-run`,
		Args: cobra.NoArgs,
		RunE: func(cmd *cobra.Command, args []string) error {
			if run != nil {
				return run(opts)
			}
			res, err := f.Editor(cmd, args, opts.DryRun).Undo(cmd.Context())
			if err != nil {
				return err
			}
			return report(f, res, opts.DryRun)
		},
	}
	addEditFlags(cmd, &opts.EditFlags, false)
	return cmd
}
