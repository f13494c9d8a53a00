package cli

import (
	"runtime/debug"

	"github.com/spf13/cobra"
)

// shortLivedHeapLimit is where garbage collection starts for the commands
// that run for milliseconds: well above what use, current or list need on
// a 50 MB kubeconfig, well below what a machine has.
const shortLivedHeapLimit = 512 << 20

// shortLived are the commands that only read and write kubeconfig files
// and exit: they never talk to a cluster or run for long.
var shortLived = map[string]bool{
	"list": true, "current": true, "use": true, "view": true, "add": true, "delete": true,
	"rename": true, "export": true, "undo": true, "lint": true, "certs": true, "version": true,
}

// tuneGC turns periodic garbage collection off, up to shortLivedHeapLimit,
// when the command line runs a short-lived command: it allocates little
// more than the files it reads and exits, so collecting while it runs only
// costs time (a third of kcfg use's on a 5 MB file). Other commands (watch,
// check, ns) keep Go's usual collector, and GOGC or GOMEMLIMIT set by the
// user always win.
func tuneGC(root *cobra.Command, args []string, getenv func(string) string) {
	if getenv("GOGC") != "" || getenv("GOMEMLIMIT") != "" {
		return
	}
	cmd, _, err := root.Find(args)
	if err != nil || cmd == root || !shortLived[cmd.Name()] {
		return
	}
	debug.SetGCPercent(-1)
	debug.SetMemoryLimit(shortLivedHeapLimit)
}
