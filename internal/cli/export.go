package cli

import (
	"fmt"

	"github.com/spf13/cobra"

	"github.com/kcfg-dev/kcfg/pkg/kubeconfig"
)

// ExportOptions are the options of kcfg export.
type ExportOptions struct {
	EditFlags
	Names []string
	File  string
}

// NewCmdExport builds kcfg export.
func NewCmdExport(f *Factory, run func(*ExportOptions) error) *cobra.Command {
	opts := &ExportOptions{}
	cmd := &cobra.Command{
		Use:   "export NAME...",
		Short: "Write a standalone kubeconfig holding only some contexts",
		Long: `Write a standalone kubeconfig holding only the named contexts and the clusters and
users they use, with every certificate, key and token file embedded, so that it
works anywhere. It holds secrets: without -f it goes to stdout, with -f FILE it is
written with mode 0600 (never over one of the kubeconfig files read).`,
		Example: `  kcfg export prod > prod.yaml
  kcfg export prod staging -f /tmp/ci-kubeconfig`,
		Args: cobra.MinimumNArgs(1),
		RunE: func(cmd *cobra.Command, args []string) error {
			opts.Names = args
			if run != nil {
				return run(opts)
			}
			data, res, err := f.Editor(cmd, args, opts.DryRun).Export(cmd.Context(), opts.Names,
				kubeconfig.ExportOptions{File: opts.File})
			if err != nil {
				return err
			}
			if opts.File == "" {
				_, err = f.IO.Out.Write(data)
				return err
			}
			if opts.DryRun {
				return report(f, res, true)
			}
			_, err = fmt.Fprintf(f.IO.Out, "Wrote %d context(s) to %s.\n", len(opts.Names), opts.File)
			return err
		},
	}
	addEditFlags(cmd, &opts.EditFlags, false)
	cmd.Flags().StringVarP(&opts.File, "file", "f", "", "write to FILE (mode 0600) instead of stdout")
	return cmd
}
