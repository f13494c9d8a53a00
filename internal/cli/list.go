package cli

import (
	"fmt"
	"text/tabwriter"
	"time"

	"github.com/spf13/cobra"

	"github.com/kcfg-dev/kcfg/pkg/kubeconfig"
)

// ListOptions are the options of kcfg list.
type ListOptions struct {
	Output string
}

// NewCmdList builds kcfg list. run, when set, replaces the command's work
// so that flag parsing can be tested alone.
func NewCmdList(f *Factory, run func(*ListOptions) error) *cobra.Command {
	opts := &ListOptions{}
	cmd := &cobra.Command{
		Use:     "list",
		Aliases: []string{"ls"},
		Short:   "List contexts with their cluster, server, user, namespace, auth and certificate expiry",
		Example: `  kcfg list
  kcfg ls -o name
  KUBECONFIG=a.yaml:b.yaml kcfg list -o wide`,
		Args: cobra.NoArgs,
		RunE: func(cmd *cobra.Command, _ []string) error {
			if err := checkOutput(opts.Output, "table", "wide", "name", "json", "yaml"); err != nil {
				return err
			}
			if run != nil {
				return run(opts)
			}
			return runList(f, opts)
		},
	}
	cmd.Flags().StringVarP(&opts.Output, "output", "o", "table", "output format: table, wide, name, json or yaml")
	return cmd
}

func runList(f *Factory, opts *ListOptions) error {
	if opts.Output == "name" {
		names, err := kubeconfig.ContextNames(f.Source())
		if err != nil {
			return err
		}
		for _, n := range names {
			fmt.Fprintln(f.IO.Out, n)
		}
		return nil
	}
	cfg, err := f.Load()
	if err != nil {
		return err
	}
	rows := cfg.Summaries(f.Now())
	out := f.IO.Out
	switch opts.Output {
	case "json", "yaml":
		return printData(out, opts.Output, rows)
	}
	tw := tabwriter.NewWriter(out, 0, 4, 3, ' ', 0)
	header := "CURRENT\tNAME\tCLUSTER\tSERVER\tUSER\tNAMESPACE\tAUTH\tEXPIRES"
	if opts.Output == "wide" {
		header += "\tFILE"
	}
	fmt.Fprintln(tw, header)
	for _, r := range rows {
		cur := ""
		if r.Current {
			cur = "*"
		}
		line := fmt.Sprintf("%s\t%s\t%s\t%s\t%s\t%s\t%s\t%s", cur, r.Name, r.Cluster, r.Server, r.User,
			r.Namespace, r.Auth, expires(r, f.IO.Color))
		if opts.Output == "wide" {
			line += "\t" + r.File
		}
		fmt.Fprintln(tw, line)
	}
	return tw.Flush()
}

func expires(r kubeconfig.ContextSummary, color bool) string {
	if r.Expires == nil {
		return ""
	}
	s := r.Expires.Format(time.DateOnly)
	if r.Expired {
		return colorize(color, colorRed, s+" (expired)")
	}
	return s
}
