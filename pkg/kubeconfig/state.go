package kubeconfig

import (
	"context"
	"crypto/sha256"
	"encoding/hex"
	"encoding/json"
	"errors"
	"fmt"
	"io/fs"
	"os"
	"path/filepath"
	"sort"
	"strings"
	"time"
)

// State errors, for errors.Is.
var (
	// ErrNothingToUndo: no backup of kcfg's writes to these files is left.
	ErrNothingToUndo = errors.New("nothing to undo")
	// ErrChangedSince: a file changed after kcfg wrote it, so undoing would lose that change.
	ErrChangedSince = errors.New("file changed since kcfg wrote it")
	// ErrNoPrevious: there is no previous context or namespace to go back to.
	ErrNoPrevious = errors.New("no previous value")
)

// DefaultMaxBackups bounds the number of writes kept for undo.
const DefaultMaxBackups = 20

// State is kcfg's own data, kept out of kubeconfig files: backups of the
// files it wrote (for undo) and the previous context and namespace.
type State struct {
	// Dir is the state folder, $XDG_STATE_HOME/kcfg or ~/.local/state/kcfg.
	Dir string
	// MaxBackups bounds the number of writes kept (0: DefaultMaxBackups).
	MaxBackups int
}

// StateDir returns $XDG_STATE_HOME/kcfg, else ~/.local/state/kcfg, from an
// environment lookup function such as os.Getenv.
func StateDir(getenv func(string) string) string {
	if d := getenv("XDG_STATE_HOME"); d != "" && filepath.IsAbs(d) {
		return filepath.Join(d, "kcfg")
	}
	home := getenv("HOME")
	if home == "" {
		home = getenv("USERPROFILE")
	}
	return filepath.Join(home, ".local", "state", "kcfg")
}

// journalEntry is one write by kcfg, possibly of several files.
type journalEntry struct {
	Time    time.Time     `json:"time"`
	Command string        `json:"command"`
	Files   []journalFile `json:"files"`
	dir     string
}

type journalFile struct {
	// Path is the file as written (absolute).
	Path string `json:"path"`
	// Existed is false when kcfg created the file.
	Existed bool `json:"existed"`
	// Backup is the name, inside the entry's folder, of the bytes before the write.
	Backup string `json:"backup,omitempty"`
	// After is the sha256 of the bytes kcfg wrote.
	After string `json:"after"`
}

func (s *State) journalDir() string { return filepath.Join(s.Dir, "backups") }

func (s *State) max() int {
	if s.MaxBackups > 0 {
		return s.MaxBackups
	}
	return DefaultMaxBackups
}

// record saves the files' previous contents before they are written.
func (s *State) record(now time.Time, command string, changes []FileChange) (*journalEntry, error) {
	if err := os.MkdirAll(s.journalDir(), 0o700); err != nil {
		return nil, fmt.Errorf("state folder %s: %w", s.Dir, err)
	}
	dir, err := s.newEntryDir(now)
	if err != nil {
		return nil, fmt.Errorf("state folder %s: %w", s.Dir, err)
	}
	e := &journalEntry{Time: now, Command: command, dir: dir}
	for i, c := range changes {
		abs, err := filepath.Abs(c.Path)
		if err != nil {
			abs = c.Path
		}
		jf := journalFile{Path: abs, Existed: !c.Created, After: digest(c.After)}
		if !c.Created {
			jf.Backup = fmt.Sprintf("%d.before", i)
			if err := os.WriteFile(filepath.Join(dir, jf.Backup), c.Before, 0o600); err != nil {
				_ = os.RemoveAll(dir)
				return nil, fmt.Errorf("saving a backup of %s in %s: %w", c.Path, dir, err)
			}
		}
		e.Files = append(e.Files, jf)
	}
	meta, _ := json.MarshalIndent(e, "", "  ")
	if err := os.WriteFile(filepath.Join(dir, "entry.json"), meta, 0o600); err != nil {
		_ = os.RemoveAll(dir)
		return nil, fmt.Errorf("saving a backup in %s: %w", dir, err)
	}
	s.prune()
	return e, nil
}

// newEntryDir creates the folder of a new journal entry. Names start with
// a zero-padded sequence number, one more than the newest entry's, so that
// their order is the order of the writes even when the clock stands still
// or goes back; a name taken meanwhile by another writer is skipped.
func (s *State) newEntryDir(now time.Time) (string, error) {
	seq := 1
	if es := s.entries(); len(es) > 0 {
		fmt.Sscanf(filepath.Base(es[0].dir), "%d", &seq)
		seq++
	}
	for {
		dir := filepath.Join(s.journalDir(), fmt.Sprintf("%012d-%s", seq, now.UTC().Format("20060102T150405Z")))
		err := os.Mkdir(dir, 0o700)
		if !errors.Is(err, fs.ErrExist) {
			return dir, err
		}
		seq++
	}
}

// entries lists the journal, newest first.
func (s *State) entries() []*journalEntry {
	des, err := os.ReadDir(s.journalDir())
	if err != nil {
		return nil
	}
	var out []*journalEntry
	for _, de := range des {
		dir := filepath.Join(s.journalDir(), de.Name())
		data, err := os.ReadFile(filepath.Join(dir, "entry.json"))
		if err != nil {
			continue
		}
		e := &journalEntry{dir: dir}
		if json.Unmarshal(data, e) != nil {
			continue
		}
		out = append(out, e)
	}
	sort.SliceStable(out, func(i, j int) bool { return out[i].dir > out[j].dir })
	return out
}

func (s *State) prune() {
	es := s.entries()
	for _, e := range es[min(len(es), s.max()):] {
		_ = os.RemoveAll(e.dir)
	}
}

// lastEntry is the newest write that touched any of paths.
func (s *State) lastEntry(paths []string) *journalEntry {
	want := map[string]bool{}
	for _, p := range paths {
		if abs, err := filepath.Abs(p); err == nil {
			want[abs] = true
		}
	}
	for _, e := range s.entries() {
		for _, f := range e.Files {
			if want[f.Path] {
				return e
			}
		}
	}
	return nil
}

func digest(b []byte) string {
	h := sha256.Sum256(b)
	return hex.EncodeToString(h[:])
}

// memory is the previous context and namespaces, per set of kubeconfig files.
type memory struct {
	// PreviousContext maps a files key to the context that was current before the last switch.
	PreviousContext map[string]string `json:"previousContext,omitempty"`
	// PreviousNamespace maps a files key and context to the namespace before the last change.
	PreviousNamespace map[string]string `json:"previousNamespace,omitempty"`
}

func (s *State) memoryPath() string { return filepath.Join(s.Dir, "memory.json") }

// loadMemory reads the memory; a file that does not exist is an empty
// memory, one that does not parse is an error naming it (it is never
// overwritten silently).
func (s *State) loadMemory() (*memory, error) {
	m := &memory{}
	data, err := os.ReadFile(s.memoryPath())
	switch {
	case err == nil:
		if err := json.Unmarshal(data, m); err != nil {
			return nil, &Error{File: s.memoryPath(), Err: ErrStateCorrupt,
				Detail: err.Error() + "; it only holds the previous contexts and namespaces: remove it to start afresh"}
		}
	case !errors.Is(err, fs.ErrNotExist):
		return nil, &Error{File: s.memoryPath(), Err: ErrUnreadable, Detail: unwrapPathError(err)}
	}
	if m.PreviousContext == nil {
		m.PreviousContext = map[string]string{}
	}
	if m.PreviousNamespace == nil {
		m.PreviousNamespace = map[string]string{}
	}
	return m, nil
}

// updateMemory changes the memory under its own lock.
func (s *State) updateMemory(ctx context.Context, fn func(*memory)) error {
	if err := os.MkdirAll(s.Dir, 0o700); err != nil {
		return fmt.Errorf("state folder %s: %w", s.Dir, err)
	}
	locks, err := LockFiles(ctx, []string{s.memoryPath()}, LockOptions{})
	if err != nil {
		return err
	}
	defer locks.Unlock()
	m, err := s.loadMemory()
	if err != nil {
		return err
	}
	fn(m)
	data, _ := json.MarshalIndent(m, "", "  ")
	return WriteFileAtomic(s.memoryPath(), data)
}

// filesKey names a set of kubeconfig files in the memory.
func filesKey(paths []string) string {
	abs := make([]string, len(paths))
	for i, p := range paths {
		a, err := filepath.Abs(p)
		if err != nil {
			a = p
		}
		abs[i] = a
	}
	return strings.Join(abs, string(os.PathListSeparator))
}

// readIfExists returns a file's bytes and whether it exists.
func readIfExists(path string) ([]byte, bool, error) {
	data, err := os.ReadFile(path)
	if errors.Is(err, fs.ErrNotExist) {
		return nil, false, nil
	}
	if err != nil {
		return nil, false, &Error{File: path, Err: ErrUnreadable, Detail: unwrapPathError(err)}
	}
	return data, true, nil
}
