//go:build unix

package kubeconfig

import (
	"io/fs"
	"os"
	"syscall"

	"golang.org/x/sys/unix"
)

func fileOwner(st fs.FileInfo) (int, int) {
	if s, ok := st.Sys().(*syscall.Stat_t); ok {
		return int(s.Uid), int(s.Gid)
	}
	return -1, -1
}

// keepOwner gives the new file the old one's owner, when it differs.
func keepOwner(f *os.File, uid, gid int) error {
	st, err := f.Stat()
	if err != nil {
		return err
	}
	if u, g := fileOwner(st); u == uid && g == gid {
		return nil
	}
	return f.Chown(uid, gid)
}

func writable(path string) bool {
	return unix.Access(path, unix.W_OK) == nil
}
