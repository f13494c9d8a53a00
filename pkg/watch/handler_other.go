//go:build !unix

package watch

import "os/exec"

// stopGroup leaves cmd as it is: only the shell is stopped.
func stopGroup(*exec.Cmd) {}
