//go:build unix

package watch

import (
	"os/exec"
	"syscall"
)

// stopGroup makes cmd run in a process group of its own, and stopping it
// (when its context ends) kill the whole group: the processes the shell
// started end with it instead of running on.
func stopGroup(cmd *exec.Cmd) {
	cmd.SysProcAttr = &syscall.SysProcAttr{Setpgid: true}
	cmd.Cancel = func() error { return syscall.Kill(-cmd.Process.Pid, syscall.SIGKILL) }
}
