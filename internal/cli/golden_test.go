package cli_test

import (
	"os"
	"path/filepath"
	"testing"
	"time"

	"github.com/kcfg-dev/kcfg/internal/cli"
	"github.com/kcfg-dev/kcfg/internal/iostreams"
)

// goldenDir holds the expected output of commands, shared with the rest of
// the project's fixtures.
const goldenDir = "../../testdata/golden"

// golden compares got with the golden file name in goldenDir.
func golden(t *testing.T, name string, got []byte) {
	t.Helper()
	cli.Golden(t, filepath.Join(goldenDir, name), got)
}

// fixedNow is the clock of every command test.
var fixedNow = time.Date(2026, 12, 3, 0, 0, 0, 0, time.UTC)

type result struct {
	out, err string
	code     int
}

// run runs kcfg with args, the environment env (HOME is a fresh folder
// unless env sets it) and the fixed clock.
func run(t *testing.T, env map[string]string, args ...string) result {
	t.Helper()
	ios, _, out, errOut := iostreams.Test()
	home := t.TempDir()
	f := &cli.Factory{IO: ios, Now: func() time.Time { return fixedNow }, Getenv: func(k string) string {
		if v, ok := env[k]; ok {
			return v
		}
		if k == "HOME" {
			return home
		}
		return ""
	}}
	code := cli.Run(t.Context(), f, args)
	return result{out: out.String(), err: errOut.String(), code: code}
}

// copyFile copies src to dir/name with mode and returns the new path.
func copyFile(t *testing.T, src, dir, name string, mode os.FileMode) string {
	t.Helper()
	data, err := os.ReadFile(src)
	if err != nil {
		t.Fatal(err)
	}
	if err := os.MkdirAll(dir, 0o755); err != nil {
		t.Fatal(err)
	}
	p := filepath.Join(dir, name)
	if err := os.WriteFile(p, data, mode); err != nil {
		t.Fatal(err)
	}
	return p
}
