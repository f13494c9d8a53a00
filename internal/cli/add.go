package cli

import (
	"fmt"

	"github.com/spf13/cobra"

	"github.com/kcfg-dev/kcfg/pkg/kubeconfig"
)

// AddOptions are the options of kcfg add.
type AddOptions struct {
	EditFlags
	Files      []string
	Into       string
	OnConflict string
	Embed      bool
}

// NewCmdAdd builds kcfg add.
func NewCmdAdd(f *Factory, run func(*AddOptions) error) *cobra.Command {
	opts := &AddOptions{}
	cmd := &cobra.Command{
		Use:   "add FILE...",
		Short: "Merge the clusters, users and contexts of other kubeconfig files",
		Long: `Merge the clusters, users and contexts of other kubeconfig files into the
kubeconfig (the file kubectl would write new entries to, or --into FILE).
A name already taken is renamed to NAME-2, NAME-3, ... (--on-conflict rename),
and contexts follow their renamed cluster or user; an entry identical to the
existing one is not duplicated. Relative certificate, key and token paths are
made absolute, or the files embedded with --embed.`,
		Example: `  kcfg add ~/Downloads/new-cluster.yaml
  kcfg add a.yaml b.yaml --into ~/.kube/config --on-conflict fail`,
		Args: cobra.MinimumNArgs(1),
		RunE: func(cmd *cobra.Command, args []string) error {
			switch opts.OnConflict {
			case kubeconfig.ConflictRename, kubeconfig.ConflictOverwrite, kubeconfig.ConflictSkip, kubeconfig.ConflictFail:
			default:
				return usageError(fmt.Errorf("--on-conflict must be rename, overwrite, skip or fail, not %q", opts.OnConflict))
			}
			opts.Files = args
			if run != nil {
				return run(opts)
			}
			res, err := f.Editor(cmd, args, opts.DryRun).Add(cmd.Context(), opts.Files,
				kubeconfig.AddOptions{Into: opts.Into, OnConflict: opts.OnConflict, Embed: opts.Embed})
			if err != nil {
				return err
			}
			return report(f, res, opts.DryRun)
		},
	}
	addEditFlags(cmd, &opts.EditFlags, false)
	fl := cmd.Flags()
	fl.StringVar(&opts.Into, "into", "", "the file to add to (default: where kubectl writes new entries)")
	fl.StringVar(&opts.OnConflict, "on-conflict", kubeconfig.ConflictRename, "when a name is taken: rename, overwrite, skip or fail")
	fl.BoolVar(&opts.Embed, "embed", false, "embed certificate, key and token files instead of referring to them")
	return cmd
}
