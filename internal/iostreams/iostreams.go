// Package iostreams holds the standard streams of a command and what is
// known about them: whether they are terminals and whether colour is wanted.
package iostreams

import (
	"bytes"
	"io"
	"os"

	"golang.org/x/term"
)

// IOStreams are the streams a command reads and writes.
type IOStreams struct {
	In     io.Reader
	Out    io.Writer
	ErrOut io.Writer
	// OutTTY and ErrTTY tell whether Out and ErrOut are terminals.
	OutTTY, ErrTTY bool
	// InTTY tells whether In is a terminal.
	InTTY bool
	// Color is true when coloured output is wanted on Out.
	Color bool
}

// System returns the process's streams. Colour is on for a terminal unless
// NO_COLOR is set (getenv is passed in so tests control it).
func System(getenv func(string) string) *IOStreams {
	s := &IOStreams{In: os.Stdin, Out: os.Stdout, ErrOut: os.Stderr,
		InTTY:  term.IsTerminal(int(os.Stdin.Fd())),
		OutTTY: term.IsTerminal(int(os.Stdout.Fd())),
		ErrTTY: term.IsTerminal(int(os.Stderr.Fd())),
	}
	s.Color = s.OutTTY && getenv("NO_COLOR") == ""
	return s
}

// Test returns streams backed by buffers, none of them a terminal.
func Test() (s *IOStreams, in, out, errOut *bytes.Buffer) {
	in, out, errOut = &bytes.Buffer{}, &bytes.Buffer{}, &bytes.Buffer{}
	return &IOStreams{In: in, Out: out, ErrOut: errOut}, in, out, errOut
}
