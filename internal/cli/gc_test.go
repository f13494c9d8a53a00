package cli

import (
	"math"
	"runtime/debug"
	"testing"

	"github.com/kcfg-dev/kcfg/internal/iostreams"
)

func TestTuneGC(t *testing.T) {
	io, _, _, _ := iostreams.Test()
	root := NewCmdRoot(&Factory{IO: io, Getenv: func(string) string { return "" }})
	for name := range shortLived {
		if c, _, err := root.Find([]string{name}); err != nil || c.Name() != name {
			t.Errorf("short-lived command %q is not a kcfg command", name)
		}
	}
	restore := func() { debug.SetGCPercent(100); debug.SetMemoryLimit(math.MaxInt64) }
	defer restore()
	noEnv := func(string) string { return "" }
	tests := []struct {
		name   string
		args   []string
		getenv func(string) string
		off    bool
	}{
		{"use", []string{"--kubeconfig", "x", "use", "a"}, noEnv, true},
		{"list", []string{"list", "-o", "name"}, noEnv, true},
		{"watch", []string{"watch", "pods"}, noEnv, false},
		{"check", []string{"check", "--all"}, noEnv, false},
		{"root", nil, noEnv, false},
		{"GOGC set", []string{"use", "a"}, func(k string) string {
			if k == "GOGC" {
				return "100"
			}
			return ""
		}, false},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			restore()
			tuneGC(root, tt.args, tt.getenv)
			off := debug.SetGCPercent(100) < 0
			if off != tt.off {
				t.Errorf("collector off = %v, want %v", off, tt.off)
			}
		})
	}
}
