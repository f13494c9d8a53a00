package cli

import (
	"bytes"
	"errors"
	"flag"
	"os"
	"path/filepath"
	"testing"

	"github.com/kcfg-dev/kcfg/internal/iostreams"
	"github.com/spf13/cobra"
)

var update = flag.Bool("update", false, "rewrite golden files")

// Golden compares got with the golden file at path, or rewrites the file
// when the tests run with -update. Shared by the package's internal and
// external tests.
func Golden(t *testing.T, path string, got []byte) {
	t.Helper()
	if *update {
		if err := os.MkdirAll(filepath.Dir(path), 0o755); err != nil {
			t.Fatal(err)
		}
		if err := os.WriteFile(path, got, 0o644); err != nil {
			t.Fatal(err)
		}
		return
	}
	want, err := os.ReadFile(path)
	if err != nil {
		t.Fatalf("%v (run go test -update to create it)", err)
	}
	if !bytes.Equal(got, want) {
		t.Errorf("output differs from %s (run go test -update to accept it):\n--- got\n%s\n--- want\n%s", path, got, want)
	}
}

// parseOnly builds a command with newCmd and runs it on args with a run
// hook that only captures the options, so that flag parsing is tested alone.
func parseOnly[O any](newCmd func(*Factory, func(*O) error) *cobra.Command, args []string) (*O, error) {
	ios, _, _, _ := iostreams.Test()
	var got *O
	cmd := newCmd(&Factory{IO: ios, Getenv: func(string) string { return "" }}, func(o *O) error {
		got = o
		return nil
	})
	cmd.SetArgs(args)
	cmd.SetOut(ios.Out)
	cmd.SetErr(ios.ErrOut)
	return got, cmd.Execute()
}

// wantExitCode fails the test unless err is an *ExitError with code.
func wantExitCode(t *testing.T, err error, code int) {
	t.Helper()
	var ee *ExitError
	if !errors.As(err, &ee) || ee.Code != code {
		t.Fatalf("got %v, want exit %d", err, code)
	}
}
