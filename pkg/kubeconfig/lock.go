package kubeconfig

import (
	"context"
	"errors"
	"fmt"
	"io/fs"
	"os"
	"path/filepath"
	"sort"
	"strconv"
	"strings"
	"time"
)

// Lock errors, for errors.Is.
var (
	// ErrLocked: another writer holds FILE.lock and did not release it in time.
	ErrLocked = errors.New("kubeconfig is locked by another writer")
	// ErrStaleLock: FILE.lock was probably left behind by a writer that crashed.
	// kcfg never removes such a lock itself; the error says how to.
	ErrStaleLock = errors.New("stale lock")
)

// Lock timing defaults.
const (
	// DefaultLockTimeout is how long a writer waits for another's lock.
	DefaultLockTimeout = 10 * time.Second
	// DefaultStaleAfter is the age past which an ownerless lock is reported
	// as stale. kubectl holds its lock for milliseconds.
	DefaultStaleAfter = time.Minute
	lockPoll          = 20 * time.Millisecond
)

// LockOptions tune how locks are taken.
type LockOptions struct {
	// Timeout bounds the wait for a lock held by someone else (0: DefaultLockTimeout).
	Timeout time.Duration
	// StaleAfter is the age of an ownerless lock reported as stale (0: DefaultStaleAfter).
	StaleAfter time.Duration
}

// lockName is client-go's lock file convention: FILE.lock next to FILE.
func lockName(path string) string { return path + ".lock" }

// Locks is a set of held FILE.lock files.
type Locks struct {
	held []string
}

// LockFiles takes client-go's FILE.lock for every path, in sorted order as
// client-go does (so that two writers never deadlock). A lock held by
// someone else is waited for up to opts.Timeout; a lock whose owner is known
// to be gone is reported at once as ErrStaleLock. Nothing is ever removed
// that kcfg did not create.
func LockFiles(ctx context.Context, paths []string, opts LockOptions) (*Locks, error) {
	if opts.Timeout <= 0 {
		opts.Timeout = DefaultLockTimeout
	}
	if opts.StaleAfter <= 0 {
		opts.StaleAfter = DefaultStaleAfter
	}
	// One file may be named twice (relative and absolute): lock it once.
	sorted := make([]string, 0, len(paths))
	for _, p := range paths {
		if abs, err := filepath.Abs(p); err == nil {
			p = abs
		}
		sorted = append(sorted, p)
	}
	sort.Strings(sorted)
	l := &Locks{}
	seen := map[string]bool{}
	for _, p := range sorted {
		if seen[p] {
			continue
		}
		seen[p] = true
		if err := lockOne(ctx, p, opts); err != nil {
			l.Unlock()
			return nil, err
		}
		l.held = append(l.held, p)
	}
	return l, nil
}

// Unlock releases every lock, in reverse order.
func (l *Locks) Unlock() {
	if l == nil {
		return
	}
	for i := len(l.held) - 1; i >= 0; i-- {
		_ = os.Remove(lockName(l.held[i]))
	}
	l.held = nil
}

func lockOne(ctx context.Context, path string, opts LockOptions) error {
	name := lockName(path)
	if err := os.MkdirAll(filepath.Dir(path), 0o755); err != nil {
		return &Error{File: path, Err: ErrUnwritable, Detail: unwrapPathError(err)}
	}
	deadline := time.Now().Add(opts.Timeout)
	owner := fmt.Sprintf("kcfg pid=%d host=%s\n", os.Getpid(), hostname())
	for {
		f, err := os.OpenFile(name, os.O_CREATE|os.O_EXCL|os.O_WRONLY, 0o600)
		if err == nil {
			_, werr := f.WriteString(owner)
			cerr := f.Close()
			if werr != nil || cerr != nil {
				_ = os.Remove(name)
				return &Error{File: name, Err: ErrUnwritable, Detail: errors.Join(werr, cerr).Error()}
			}
			return nil
		}
		if !errors.Is(err, fs.ErrExist) {
			return &Error{File: path, Err: ErrUnwritable, Detail: "cannot create lock file " + name + ": " + unwrapPathError(err)}
		}
		fi1, statErr := os.Stat(name)
		pid, host := lockOwner(name)
		if pid > 0 && host == hostname() && !processAlive(pid) && statErr == nil && sameLock(name, fi1, pid) {
			return &Error{File: path, Err: ErrStaleLock, Detail: fmt.Sprintf(
				"%s was left by process %d, which no longer runs; if no kubectl or kcfg is writing %s, remove it: rm %s",
				name, pid, path, shellQuote(name))}
		}
		if time.Now().After(deadline) {
			return lockTimeout(path, name, pid, opts)
		}
		select {
		case <-ctx.Done():
			return fmt.Errorf("waiting for %s: %w", name, ctx.Err())
		case <-time.After(lockPoll):
		}
	}
}

func lockTimeout(path, name string, pid int, opts LockOptions) error {
	st, err := os.Stat(name)
	if err != nil {
		// Released just now: let the caller try again later.
		return &Error{File: path, Err: ErrLocked, Detail: fmt.Sprintf("%s was held for more than %s", name, opts.Timeout)}
	}
	age := time.Since(st.ModTime()).Round(time.Second)
	if age > opts.StaleAfter && pid == 0 {
		return &Error{File: path, Err: ErrStaleLock, Detail: fmt.Sprintf(
			"%s is %s old, probably left by a writer that crashed; if no kubectl or kcfg is writing %s, remove it: rm %s",
			name, age, path, shellQuote(name))}
	}
	who := "another writer (kubectl or another program)"
	if pid > 0 {
		who = fmt.Sprintf("kcfg process %d", pid)
	}
	return &Error{File: path, Err: ErrLocked, Detail: fmt.Sprintf("%s is held by %s; waited %s, try again", name, who, opts.Timeout)}
}

// sameLock reports whether the lock file is still the one seen before (same
// file, same owner): an owner that released its lock and exited in between
// is not mistaken for a crashed one.
func sameLock(name string, before os.FileInfo, pid int) bool {
	fi, err := os.Stat(name)
	if err != nil || !os.SameFile(before, fi) || !fi.ModTime().Equal(before.ModTime()) {
		return false
	}
	p, _ := lockOwner(name)
	return p == pid
}

// lockOwner reads the pid and host kcfg writes into its lock files. Locks
// written by client-go are empty (and may be unreadable): 0, "".
func lockOwner(name string) (int, string) {
	data, err := os.ReadFile(name)
	if err != nil {
		return 0, ""
	}
	var pid int
	var host string
	for _, f := range strings.Fields(string(data)) {
		if v, ok := strings.CutPrefix(f, "pid="); ok {
			pid, _ = strconv.Atoi(v)
		}
		if v, ok := strings.CutPrefix(f, "host="); ok {
			host = v
		}
	}
	return pid, host
}

func hostname() string {
	h, err := os.Hostname()
	if err != nil {
		return "unknown"
	}
	return h
}

// shellQuote quotes s for a POSIX shell when it needs it.
func shellQuote(s string) string {
	if s != "" && strings.IndexFunc(s, func(r rune) bool {
		return !(r >= 'a' && r <= 'z' || r >= 'A' && r <= 'Z' || r >= '0' && r <= '9' || strings.ContainsRune("/._-+=:@", r))
	}) < 0 {
		return s
	}
	return "'" + strings.ReplaceAll(s, "'", `'\''`) + "'"
}
