package kubeconfig

import (
	"errors"
	"fmt"
	"strings"
)

// Sentinel errors, for errors.Is. Every error this package returns for bad
// input is an *Error that wraps one of these.
var (
	// ErrUnreadable: the file exists but cannot be read.
	ErrUnreadable = errors.New("cannot read file")
	// ErrSyntax: the text is neither YAML nor JSON.
	ErrSyntax = errors.New("not valid YAML or JSON")
	// ErrNotKubeconfig: the document is not a kubeconfig (wrong kind or apiVersion, wrong shape).
	ErrNotKubeconfig = errors.New("not a kubeconfig")
	// ErrInvalidBase64: a *-data field does not hold base64.
	ErrInvalidBase64 = errors.New("invalid base64")
	// ErrMissingReference: a context names a cluster or user that no file defines.
	ErrMissingReference = errors.New("missing reference")
	// ErrNoCurrentContext: current-context is not set.
	ErrNoCurrentContext = errors.New("no current context is set")
	// ErrContextNotFound: a named context does not exist.
	ErrContextNotFound = errors.New("context not found")
	// ErrStateCorrupt: a file of kcfg's own state (under $XDG_STATE_HOME/kcfg) does not parse.
	ErrStateCorrupt = errors.New("kcfg state file is corrupt")
	// ErrMissingFile: a file named explicitly does not exist.
	ErrMissingFile = errors.New("file does not exist")
)

// Error is a problem in one kubeconfig file. File is always set; Line, Kind
// (cluster, user, context), Name and Field are set when known.
type Error struct {
	File  string
	Line  int
	Kind  string
	Name  string
	Field string
	// Detail is a human sentence about this instance of the problem.
	Detail string
	Err    error
}

func (e *Error) Error() string {
	var b strings.Builder
	b.WriteString(e.File)
	if e.Line > 0 {
		fmt.Fprintf(&b, ":%d", e.Line)
	}
	b.WriteString(": ")
	if e.Kind != "" {
		fmt.Fprintf(&b, "%s %q: ", e.Kind, e.Name)
	}
	if e.Field != "" {
		fmt.Fprintf(&b, "field %s: ", e.Field)
	}
	b.WriteString(e.Err.Error())
	if e.Detail != "" {
		b.WriteString(": ")
		b.WriteString(e.Detail)
	}
	return b.String()
}

func (e *Error) Unwrap() error { return e.Err }
