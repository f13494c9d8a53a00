package kubeconfig

import (
	"errors"
	"fmt"
	"io/fs"
	"os"
	"path/filepath"
)

// Write errors, for errors.Is.
var (
	// ErrReadOnly: the file has no write permission; kcfg leaves it as it is.
	ErrReadOnly = errors.New("file is read-only")
	// ErrUnwritable: the file, its folder or its lock cannot be written.
	ErrUnwritable = errors.New("cannot write file")
)

// NewFileMode is the mode of files kcfg creates.
const NewFileMode fs.FileMode = 0o600

// WriteFileAtomic replaces the contents of path with data so that a reader
// (or a crash) only ever sees the old or the new file, never a mix: the data
// goes to a temporary file in the same folder, is synced, and is renamed over
// the target. A symlink is followed and its target written, so the link
// stays a link. The file's mode and owner are kept; a new file gets mode
// NewFileMode. A file without any write permission bit is refused with
// ErrReadOnly, and on every error the file is left as it was.
//
// It takes no lock: callers hold FILE.lock (see LockFiles) around the whole
// read-modify-write.
func WriteFileAtomic(path string, data []byte) error {
	return writeFile(path, data, 0)
}

// writeFile is WriteFileAtomic; a non-zero mode is forced on the file.
func writeFile(path string, data []byte, force fs.FileMode) error {
	target, err := resolveLink(path)
	if err != nil {
		return &Error{File: path, Err: ErrUnwritable, Detail: err.Error()}
	}
	mode := NewFileMode
	uid, gid := -1, -1
	st, err := os.Stat(target)
	switch {
	case err == nil:
		if !st.Mode().IsRegular() {
			return &Error{File: path, Err: ErrUnwritable, Detail: "not a regular file"}
		}
		mode = st.Mode().Perm()
		if mode&0o222 == 0 || !writable(target) {
			return &Error{File: path, Err: ErrReadOnly, Detail: fmt.Sprintf("mode %04o; kcfg does not change read-only files (make it writable with chmod u+w %s)", mode, shellQuote(path))}
		}
		uid, gid = fileOwner(st)
		if force != 0 {
			mode = force
		}
	case errors.Is(err, fs.ErrNotExist):
		if err := os.MkdirAll(filepath.Dir(target), 0o755); err != nil {
			return &Error{File: path, Err: ErrUnwritable, Detail: unwrapPathError(err)}
		}
	default:
		return &Error{File: path, Err: ErrUnwritable, Detail: unwrapPathError(err)}
	}

	dir, base := filepath.Split(target)
	if dir == "" {
		dir = "."
	}
	tmp, err := os.CreateTemp(dir, "."+base+".kcfg-*")
	if err != nil {
		return &Error{File: path, Err: ErrUnwritable, Detail: "cannot create a temporary file in its folder: " + unwrapPathError(err)}
	}
	tmpName := tmp.Name()
	ok := false
	defer func() {
		if !ok {
			_ = tmp.Close()
			_ = os.Remove(tmpName)
		}
	}()
	if _, err := tmp.Write(data); err != nil {
		return &Error{File: path, Err: ErrUnwritable, Detail: unwrapPathError(err)}
	}
	if err := tmp.Chmod(mode); err != nil {
		return &Error{File: path, Err: ErrUnwritable, Detail: unwrapPathError(err)}
	}
	if uid >= 0 {
		if err := keepOwner(tmp, uid, gid); err != nil {
			return &Error{File: path, Err: ErrUnwritable, Detail: "cannot keep the file's owner: " + unwrapPathError(err)}
		}
	}
	if err := tmp.Sync(); err != nil {
		return &Error{File: path, Err: ErrUnwritable, Detail: unwrapPathError(err)}
	}
	if err := tmp.Close(); err != nil {
		return &Error{File: path, Err: ErrUnwritable, Detail: unwrapPathError(err)}
	}
	if err := os.Rename(tmpName, target); err != nil {
		return &Error{File: path, Err: ErrUnwritable, Detail: unwrapPathError(err)}
	}
	ok = true
	syncDir(dir)
	return nil
}

// resolveLink follows symlinks from path to the file they end at, which
// need not exist yet.
func resolveLink(path string) (string, error) {
	for range 40 {
		fi, err := os.Lstat(path)
		if errors.Is(err, fs.ErrNotExist) {
			return path, nil
		}
		if err != nil {
			return "", err
		}
		if fi.Mode()&fs.ModeSymlink == 0 {
			return path, nil
		}
		dest, err := os.Readlink(path)
		if err != nil {
			return "", err
		}
		if !filepath.IsAbs(dest) {
			dest = filepath.Join(filepath.Dir(path), dest)
		}
		path = dest
	}
	return "", fmt.Errorf("too many levels of symbolic links")
}

func syncDir(dir string) {
	d, err := os.Open(dir)
	if err != nil {
		return
	}
	_ = d.Sync()
	_ = d.Close()
}
