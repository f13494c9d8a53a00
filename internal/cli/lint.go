package cli

import (
	"errors"
	"fmt"
	"io"
	"strings"
	"time"

	"github.com/spf13/cobra"

	"github.com/kcfg-dev/kcfg/pkg/kubeconfig"
	"github.com/kcfg-dev/kcfg/pkg/lint"
)

// LintOptions are the options of kcfg lint.
type LintOptions struct {
	Files        []string
	Untrusted    bool
	Strict       bool
	Output       string
	ExpiryWindow time.Duration
}

// NewCmdLint builds kcfg lint.
func NewCmdLint(f *Factory, run func(*LintOptions) error) *cobra.Command {
	opts := &LintOptions{}
	cmd := &cobra.Command{
		Use:   "lint [FILE...]",
		Short: "Check kubeconfig files offline: references, files, certificates, risky settings",
		Long: `Check kubeconfig files without contacting any cluster. Without FILE the loaded kubeconfig
(--kubeconfig, else KUBECONFIG, else ~/.kube/config) is checked; FILEs are merged in the
order given, as KUBECONFIG would merge them.

Each finding has a rule id, a severity (error, warning, info), the file, line, entry,
contexts and field it is about, a message and a hint. Exit status: 0 without error
findings, 1 with any (with --strict: with any warning too).

--untrusted audits files received from elsewhere before they are added: every command
they run (exec plugins, with args and env), every auth-provider, every path they read
outside their folder, proxies and plain-http servers. Exit 1 when there is any.`,
		Example: `  kcfg lint
  kcfg lint --strict --expiry-window 336h ~/.kube/config
  kcfg lint -o json | jq '.findings[] | select(.severity == "error")'
  kcfg lint --untrusted ~/Downloads/cluster.yaml`,
		Args: cobra.ArbitraryArgs,
		RunE: func(cmd *cobra.Command, args []string) error {
			if err := checkOutput(opts.Output, "table", "json"); err != nil {
				return err
			}
			if opts.Untrusted && len(args) == 0 {
				return usageError(errors.New("--untrusted needs the FILE to audit"))
			}
			if opts.ExpiryWindow < 0 {
				return usageError(fmt.Errorf("--expiry-window %s is negative", opts.ExpiryWindow))
			}
			opts.Files = args
			if run != nil {
				return run(opts)
			}
			return runLint(f, opts)
		},
	}
	fl := cmd.Flags()
	fl.BoolVar(&opts.Untrusted, "untrusted", false, "audit FILEs received from elsewhere: what they would run, read and contact")
	fl.BoolVar(&opts.Strict, "strict", false, "exit 1 on warnings too")
	fl.StringVarP(&opts.Output, "output", "o", "table", "output format: table or json")
	fl.DurationVar(&opts.ExpiryWindow, "expiry-window", lint.DefaultExpiryWindow, "report certificates that expire within this time")
	return cmd
}

func runLint(f *Factory, opts *LintOptions) error {
	var files []*kubeconfig.File
	if len(opts.Files) > 0 {
		files = kubeconfig.ReadFiles(opts.Files, true)
	} else {
		src := f.Source()
		if files = kubeconfig.ReadSource(src); len(files) == 0 {
			return &kubeconfig.Error{File: strings.Join(src.Paths(), ":"), Err: kubeconfig.ErrMissingFile,
				Detail: "no kubeconfig file to check"}
		}
	}
	var report *lint.Report
	if opts.Untrusted {
		report = lint.Audit(files)
	} else {
		report = lint.Lint(files, lint.Options{Now: f.Now(), ExpiryWindow: opts.ExpiryWindow})
	}
	var err error
	if opts.Output == "json" {
		err = printData(f.IO.Out, "json", report)
	} else {
		err = printLintReport(f.IO.Out, report, f.IO.Color)
	}
	if err != nil {
		return err
	}
	if report.Failed(opts.Strict) {
		return silentFailure
	}
	return nil
}

func printLintReport(w io.Writer, r *lint.Report, color bool) error {
	var b strings.Builder
	groups := r.ByFile()
	for i, file := range r.Files {
		if i > 0 {
			b.WriteString("\n")
		}
		b.WriteString(file + "\n")
		if len(groups[file]) == 0 {
			b.WriteString("  no findings\n")
		}
		for _, fd := range groups[file] {
			b.WriteString("  " + severityLabel(fd.Severity, color) + "  " + fd.Rule)
			if fd.Line > 0 {
				fmt.Fprintf(&b, "  line %d", fd.Line)
			}
			if fd.Kind != "" {
				fmt.Fprintf(&b, "  %s %q", fd.Kind, fd.Name)
			}
			if fd.Field != "" {
				b.WriteString("  field " + fd.Field)
			}
			switch len(fd.Contexts) {
			case 0:
			case 1:
				b.WriteString("  context " + fd.Contexts[0])
			default:
				b.WriteString("  contexts " + strings.Join(fd.Contexts, ", "))
			}
			b.WriteString("\n")
			const indent = "           "
			b.WriteString(indent + fd.Message + "\n")
			if fd.Hint != "" {
				b.WriteString(indent + "hint: " + fd.Hint + "\n")
			}
		}
	}
	b.WriteString("\n" + lintSummary(r) + "\n")
	_, err := io.WriteString(w, b.String())
	return err
}

// severityLabel pads the severity to one width before colouring it.
func severityLabel(s lint.Severity, color bool) string {
	label := fmt.Sprintf("%-7s", s)
	switch s {
	case lint.Error:
		return colorize(color, colorRed, label)
	case lint.Warning:
		return colorize(color, colorYellow, label)
	}
	return label
}

func lintSummary(r *lint.Report) string {
	files := plural(len(r.Files), "file")
	if len(r.Findings) == 0 {
		return "no findings in " + files
	}
	return fmt.Sprintf("%s, %s, %s in %s", plural(r.Summary.Errors, "error"), plural(r.Summary.Warnings, "warning"),
		plural(r.Summary.Infos, "info"), files)
}

func plural(n int, word string) string {
	if n == 1 {
		return "1 " + word
	}
	return fmt.Sprintf("%d %ss", n, word)
}
