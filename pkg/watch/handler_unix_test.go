//go:build unix

package watch

import (
	"context"
	"os"
	"path/filepath"
	"strconv"
	"strings"
	"testing"
	"time"
)

// alive tells whether pid is a running process (not gone, not a zombie).
func alive(pid int) bool {
	data, err := os.ReadFile(filepath.Join("/proc", strconv.Itoa(pid), "stat"))
	if err != nil {
		return false
	}
	f := strings.Fields(string(data[strings.LastIndexByte(string(data), ')')+1:]))
	return len(f) > 0 && f[0] != "Z"
}

// TestExecHandlerStopsTheWholeCommand: when the watch ends or the run times
// out, the processes the command started end with it, not only the shell.
func TestExecHandlerStopsTheWholeCommand(t *testing.T) {
	if _, err := os.Stat("/proc/self/stat"); err != nil {
		t.Skip("no /proc to read process states from")
	}
	for _, tt := range []struct {
		name    string
		timeout time.Duration
		cancel  bool
	}{{"watch ends", 0, true}, {"timeout", 500 * time.Millisecond, false}} {
		t.Run(tt.name, func(t *testing.T) {
			pidFile := filepath.Join(t.TempDir(), "pid")
			h := &ExecHandler{Command: `sleep 30 & echo $! > "$PIDFILE"; wait`, Env: []string{"PIDFILE=" + pidFile, "PATH=" + os.Getenv("PATH")},
				Timeout: tt.timeout}
			ctx, cancel := context.WithCancel(t.Context())
			defer cancel()
			done := make(chan error, 1)
			go func() { done <- h.Handle(ctx, Event{Type: Added, Name: "x"}) }()
			var pid int
			deadline := time.Now().Add(10 * time.Second)
			for pid == 0 {
				if time.Now().After(deadline) {
					t.Fatal("the command did not start")
				}
				data, _ := os.ReadFile(pidFile)
				pid, _ = strconv.Atoi(strings.TrimSpace(string(data)))
				time.Sleep(20 * time.Millisecond)
			}
			if tt.cancel {
				cancel()
			}
			select {
			case err := <-done:
				if err == nil {
					t.Error("Handle = nil, want an error")
				}
			case <-time.After(5 * time.Second):
				t.Fatal("Handle did not return")
			}
			deadline = time.Now().Add(2 * time.Second)
			for alive(pid) {
				if time.Now().After(deadline) {
					t.Fatalf("process %d started by the command still runs", pid)
				}
				time.Sleep(20 * time.Millisecond)
			}
		})
	}
}
