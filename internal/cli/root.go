// Package cli holds kcfg's cobra commands: flags, output and exit codes.
// Each verb lives in its own file; the work itself is done in pkg/.
package cli

import (
	"context"
	"errors"
	"fmt"
	"maps"
	"os"
	"os/signal"
	"path/filepath"
	"slices"
	"strings"
	"syscall"
	"time"

	"github.com/spf13/cobra"

	"github.com/kcfg-dev/kcfg/internal/iostreams"
	"github.com/kcfg-dev/kcfg/pkg/kubeconfig"
)

// Exit codes.
const (
	ExitOK          = 0
	ExitFailure     = 1
	ExitUsage       = 2
	ExitInterrupted = 130
)

// ExitError carries an exit code; Err, when set, is printed.
type ExitError struct {
	Code int
	Err  error
}

func (e *ExitError) Error() string {
	if e.Err == nil {
		return fmt.Sprintf("exit %d", e.Code)
	}
	return e.Err.Error()
}

func (e *ExitError) Unwrap() error { return e.Err }

// usageError marks an error in the command line: exit 2, with a hint.
func usageError(err error) error { return &ExitError{Code: ExitUsage, Err: err} }

// silentFailure is exit 1 with nothing more printed: the command has already
// reported what went wrong (findings, failed checks).
var silentFailure = &ExitError{Code: ExitFailure}

// Factory holds what every command needs: streams, environment, clock, and
// the global flags.
type Factory struct {
	IO     *iostreams.IOStreams
	Getenv func(string) string
	Now    func() time.Time

	// Program is how kcfg was invoked: "kcfg", or "kubectl kcfg" when run as
	// the kubectl plugin kubectl-kcfg. Empty means "kcfg".
	Program string

	Kubeconfig string
	Context    string
	NoColor    bool
}

func (f *Factory) program() string {
	if f.Program == "" {
		return "kcfg"
	}
	return f.Program
}

// Source is where kubeconfig files are read from.
func (f *Factory) Source() kubeconfig.Source {
	return kubeconfig.SourceFromEnv(f.Kubeconfig, f.Getenv)
}

// Load loads the kubeconfig and checks that every reference resolves.
func (f *Factory) Load() (*kubeconfig.Config, error) {
	cfg, err := kubeconfig.Load(f.Source())
	if err != nil {
		return nil, err
	}
	return cfg, cfg.Validate()
}

// NewCmdRoot builds the kcfg command tree.
func NewCmdRoot(f *Factory) *cobra.Command {
	root := &cobra.Command{
		Use:           "kcfg",
		Annotations:   map[string]string{cobra.CommandDisplayNameAnnotation: f.program()},
		Short:         "Manage, validate and use kubeconfig files for many clusters",
		Long:          "kcfg manages kubeconfig files for many clusters, checks them offline, connects to each\ncontext and watches any resource across several clusters.",
		SilenceUsage:  true,
		SilenceErrors: true,
		PersistentPreRun: func(cmd *cobra.Command, _ []string) {
			if f.NoColor || f.Getenv("NO_COLOR") != "" {
				f.IO.Color = false
			}
		},
	}
	root.SetIn(f.IO.In)
	root.SetOut(f.IO.Out)
	root.SetErr(f.IO.ErrOut)
	root.SetFlagErrorFunc(func(_ *cobra.Command, err error) error { return usageError(err) })
	pf := root.PersistentFlags()
	pf.StringVar(&f.Kubeconfig, "kubeconfig", "", "path to one kubeconfig file (else KUBECONFIG, else ~/.kube/config)")
	pf.StringVar(&f.Context, "context", "", "the context to act on, where a command acts on one")
	pf.BoolVar(&f.NoColor, "no-color", false, "no colour in output (also NO_COLOR)")

	root.AddCommand(
		NewCmdList(f, nil),
		NewCmdCurrent(f, nil),
		NewCmdView(f, nil),
		NewCmdCheck(f, nil),
		NewCmdVersion(f),
		NewCmdUse(f, nil),
		NewCmdNs(f, nil),
		NewCmdAdd(f, nil),
		NewCmdDelete(f, nil),
		NewCmdRename(f, nil),
		NewCmdExport(f, nil),
		NewCmdUndo(f, nil),
		NewCmdLint(f, nil),
		NewCmdCerts(f, nil),
		NewCmdWatch(f, nil),
	)
	contextArgs := map[string]int{"use": 1, "rename": 1, "delete": -1, "export": -1, "check": -1, "certs": -1}
	for _, c := range root.Commands() {
		if n, ok := contextArgs[c.Name()]; ok && c.ValidArgsFunction == nil {
			c.ValidArgsFunction = completeContexts(f, n)
		}
		if c.Args == nil {
			continue
		}
		args := c.Args
		c.Args = func(cmd *cobra.Command, a []string) error {
			if err := args(cmd, a); err != nil {
				return usageError(err)
			}
			return nil
		}
	}
	_ = root.RegisterFlagCompletionFunc("context", completeContexts(f, -1))
	return root
}

// completeContexts completes context names for the first max arguments (all
// of them when max is negative), leaving out names already given.
func completeContexts(f *Factory, max int) cobra.CompletionFunc {
	return func(cmd *cobra.Command, args []string, toComplete string) ([]string, cobra.ShellCompDirective) {
		if max >= 0 && len(args) >= max {
			return nil, cobra.ShellCompDirectiveNoFileComp
		}
		cfg, err := kubeconfig.Load(f.Source())
		if err != nil {
			return nil, cobra.ShellCompDirectiveError
		}
		var names []string
		for _, name := range slices.Sorted(maps.Keys(cfg.Merged.Contexts)) {
			if strings.HasPrefix(name, toComplete) && !slices.Contains(args, name) {
				names = append(names, name)
			}
		}
		return names, cobra.ShellCompDirectiveNoFileComp
	}
}

// Main runs kcfg with the process's arguments and streams and returns the
// exit code.
func Main() int {
	f := &Factory{IO: iostreams.System(os.Getenv), Getenv: os.Getenv, Now: time.Now}
	if strings.TrimSuffix(filepath.Base(os.Args[0]), ".exe") == "kubectl-kcfg" {
		f.Program = "kubectl kcfg"
	}
	root := NewCmdRoot(f)
	tuneGC(root, os.Args[1:], f.Getenv)
	ctx, stop := signal.NotifyContext(context.Background(), os.Interrupt, syscall.SIGTERM)
	defer stop()
	return execute(ctx, f, root, os.Args[1:])
}

// Run executes one command line and returns the exit code, printing any
// error to f.IO.ErrOut.
func Run(ctx context.Context, f *Factory, args []string) int {
	return execute(ctx, f, NewCmdRoot(f), args)
}

// execute runs root, built by NewCmdRoot(f), on args.
func execute(ctx context.Context, f *Factory, root *cobra.Command, args []string) int {
	root.SetArgs(args)
	err := root.ExecuteContext(ctx)
	if err == nil {
		return ExitOK
	}
	if ctx.Err() != nil {
		fmt.Fprintln(f.IO.ErrOut, "kcfg: interrupted")
		return ExitInterrupted
	}
	code := ExitFailure
	var ee *ExitError
	if errors.As(err, &ee) {
		code = ee.Code
		if ee.Err == nil {
			return code
		}
	}
	if code == ExitFailure && strings.HasPrefix(err.Error(), "unknown command") {
		code = ExitUsage
	}
	printError(f, err)
	if code == ExitUsage {
		fmt.Fprintf(f.IO.ErrOut, "Run '%s --help' for usage.\n", f.program())
	}
	return code
}

// printError prints each joined error on its own line. An error that wraps
// several through fmt.Errorf is one message: it is printed whole.
func printError(f *Factory, err error) {
	var joined interface{ Unwrap() []error }
	if errors.As(err, &joined) && len(joined.Unwrap()) > 1 && isJoin(err, joined.Unwrap()) {
		for _, e := range joined.Unwrap() {
			printError(f, e)
		}
		return
	}
	fmt.Fprintf(f.IO.ErrOut, "kcfg: %v\n", err)
}

// isJoin tells an errors.Join (whose message is its errors' messages, one a
// line) from a fmt.Errorf with several %w.
func isJoin(err error, errs []error) bool {
	msgs := make([]string, len(errs))
	for i, e := range errs {
		msgs[i] = e.Error()
	}
	return err.Error() == strings.Join(msgs, "\n")
}
