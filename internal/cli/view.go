package cli

import (
	"github.com/spf13/cobra"

	"github.com/kcfg-dev/kcfg/pkg/kubeconfig"
)

// ViewOptions are the options of kcfg view.
type ViewOptions struct {
	kubeconfig.ViewOptions
	Output string
}

// NewCmdView builds kcfg view.
func NewCmdView(f *Factory, run func(*ViewOptions) error) *cobra.Command {
	opts := &ViewOptions{}
	cmd := &cobra.Command{
		Use:   "view",
		Short: "Show the merged kubeconfig, secrets redacted",
		Long: `Show the merged kubeconfig as kubectl config view does. Without --raw every secret is
redacted: certificate and key data, tokens, passwords, auth-provider secrets and the
values of exec plugin environment variables.`,
		Example: `  kcfg view
  kcfg view --minify --flatten
  kcfg view --context prod --minify --raw -o json`,
		Args: cobra.NoArgs,
		RunE: func(cmd *cobra.Command, _ []string) error {
			if err := checkOutput(opts.Output, "yaml", "json"); err != nil {
				return err
			}
			opts.Context = f.Context
			if run != nil {
				return run(opts)
			}
			cfg, err := f.Load()
			if err != nil {
				return err
			}
			view, err := cfg.View(opts.ViewOptions)
			if err != nil {
				return err
			}
			data, err := kubeconfig.Encode(view, opts.Output)
			if err != nil {
				return err
			}
			_, err = f.IO.Out.Write(data)
			return err
		},
	}
	fl := cmd.Flags()
	fl.BoolVar(&opts.Minify, "minify", false, "only the current context (or --context) and what it uses")
	fl.BoolVar(&opts.Flatten, "flatten", false, "embed the contents of referenced files")
	fl.BoolVar(&opts.Raw, "raw", false, "show secrets")
	fl.StringVarP(&opts.Output, "output", "o", "yaml", "output format: yaml or json")
	return cmd
}
