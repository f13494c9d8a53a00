package cli

import (
	"fmt"

	"github.com/spf13/cobra"

	"github.com/kcfg-dev/kcfg/pkg/kubeconfig"
)

// NewCmdCurrent builds kcfg current.
func NewCmdCurrent(f *Factory, run func() error) *cobra.Command {
	return &cobra.Command{
		Use:   "current",
		Short: "Print the current context's name",
		Long:  "Print the current context's name. Exits 1 when no current context is set.",
		Example: `  kcfg current
  kubectl --context "$(kcfg current)" get pods`,
		Args: cobra.NoArgs,
		RunE: func(cmd *cobra.Command, _ []string) error {
			if run != nil {
				return run()
			}
			name, err := kubeconfig.CurrentContextName(f.Source())
			if err != nil {
				return err
			}
			_, err = fmt.Fprintln(f.IO.Out, name)
			return err
		},
	}
}
