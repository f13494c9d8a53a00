package e2e

import (
	"context"
	"testing"
	"time"

	"github.com/kcfg-dev/kcfg/internal/cli"
	"github.com/kcfg-dev/kcfg/internal/iostreams"
)

type runResult struct {
	code        int
	out, errOut string
	elapsed     time.Duration
}

// runKcfgEnv runs kcfg in-process with env as its whole environment.
func runKcfgEnv(t *testing.T, env map[string]string, args ...string) runResult {
	t.Helper()
	io, _, out, errOut := iostreams.Test()
	f := &cli.Factory{IO: io, Getenv: func(k string) string { return env[k] }, Now: time.Now}
	ctx, cancel := context.WithTimeout(t.Context(), 2*time.Minute)
	defer cancel()
	start := time.Now()
	code := cli.Run(ctx, f, args)
	return runResult{code: code, out: out.String(), errOut: errOut.String(), elapsed: time.Since(start)}
}
