package cli

import (
	"fmt"
	"strings"

	"github.com/spf13/cobra"

	"github.com/kcfg-dev/kcfg/pkg/kubeconfig"
)

// EditFlags are the flags of every command that writes kubeconfig files.
type EditFlags struct {
	DryRun bool
	// In names the file meant where a name is defined in several files.
	In string
}

func addEditFlags(cmd *cobra.Command, e *EditFlags, withIn bool) {
	cmd.Flags().BoolVar(&e.DryRun, "dry-run", false, "print the diff of the change and write nothing")
	if withIn {
		cmd.Flags().StringVar(&e.In, "in", "", "the file whose entry is meant, where several files define the name")
	}
}

// Editor returns the library editor for a command line.
func (f *Factory) Editor(cmd *cobra.Command, args []string, dryRun bool) *kubeconfig.Editor {
	return &kubeconfig.Editor{
		Source:  f.Source(),
		State:   &kubeconfig.State{Dir: kubeconfig.StateDir(f.Getenv)},
		DryRun:  dryRun,
		Command: strings.TrimSpace(cmd.CommandPath() + " " + strings.Join(args, " ")),
		Now:     f.Now,
	}
}

// report prints warnings to stderr, then the diff (dry run) or what was done.
func report(f *Factory, res *kubeconfig.Result, dryRun bool) error {
	for _, w := range res.Warnings {
		fmt.Fprintf(f.IO.ErrOut, "warning: %s\n", w)
	}
	if dryRun {
		if len(res.Changes) == 0 {
			fmt.Fprintln(f.IO.ErrOut, "no changes")
		}
		for _, c := range res.Changes {
			if c.Removed {
				fmt.Fprintf(f.IO.Out, "would remove %s (created by kcfg)\n", c.Path)
				continue
			}
			fmt.Fprint(f.IO.Out, c.RedactedDiff())
		}
		return nil
	}
	for _, a := range res.Actions {
		if msg := describeAction(a); msg != "" {
			fmt.Fprintln(f.IO.Out, msg)
		}
	}
	return nil
}

func describeAction(a kubeconfig.Action) string {
	switch a.Kind + " " + a.Verb {
	case "current-context switched":
		return fmt.Sprintf("Switched to context %q.", a.To)
	case "current-context unchanged":
		return fmt.Sprintf("Already on context %q.", a.Name)
	case "current-context unset":
		if a.To != "" {
			return fmt.Sprintf("Context %q was the current context: current-context is now unset in %s, and the current-context %q set by a later file of KUBECONFIG applies (choose another with: kcfg use NAME).", a.Name, a.File, a.To)
		}
		return fmt.Sprintf("Context %q was the current context: current-context is now unset in %s (choose one with: kcfg use NAME).", a.Name, a.File)
	case "namespace set":
		return fmt.Sprintf("Namespace of context %q set to %q.", a.Name, a.To)
	case "namespace unchanged":
		return fmt.Sprintf("Namespace of context %q is already %q.", a.Name, a.To)
	case "file restored":
		return fmt.Sprintf("Restored %s as it was before %q.", a.File, a.To)
	}
	switch a.Verb {
	case "deleted":
		if a.Kind != "context" {
			return fmt.Sprintf("Deleted %s %q from %s: no remaining context uses it.", a.Kind, a.Name, a.File)
		}
		return fmt.Sprintf("Deleted %s %q from %s.", a.Kind, a.Name, a.File)
	case "renamed":
		return fmt.Sprintf("Renamed %s %q to %q in %s.", a.Kind, a.Name, a.To, a.File)
	case "added":
		return fmt.Sprintf("Added %s %q to %s.", a.Kind, a.Name, a.File)
	case "replaced":
		return fmt.Sprintf("Replaced %s %q in %s.", a.Kind, a.Name, a.File)
	case "skipped":
		return fmt.Sprintf("Skipped %s %q: %s already has one of that name.", a.Kind, a.Name, a.File)
	case "identical":
		if a.To != "" {
			return fmt.Sprintf("Kept %s %q: an identical one is already there as %q.", a.Kind, a.Name, a.To)
		}
		return fmt.Sprintf("Kept %s %q: an identical one is already there.", a.Kind, a.Name)
	}
	return ""
}

// contextNames lists the contexts for a usage message.
func contextNames(f *Factory) string {
	cfg, err := kubeconfig.Load(f.Source())
	if err != nil || len(cfg.Merged.Contexts) == 0 {
		return "no context is defined"
	}
	var names []string
	for _, s := range cfg.Summaries(f.Now()) {
		mark := "  "
		if s.Current {
			mark = "* "
		}
		names = append(names, mark+s.Name)
	}
	return "contexts:\n" + strings.Join(names, "\n")
}
