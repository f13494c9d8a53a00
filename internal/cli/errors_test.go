package cli

import (
	"errors"
	"fmt"
	"strings"
	"testing"

	"github.com/kcfg-dev/kcfg/internal/iostreams"
)

// TestPrintError: errors joined with errors.Join are printed one a line;
// an error that wraps several with fmt.Errorf is one message, printed whole.
func TestPrintError(t *testing.T) {
	sentinel := errors.New("invalid options")
	tests := []struct {
		name string
		err  error
		want string
	}{
		{"joined", errors.Join(errors.New("a"), errors.New("b")), "kcfg: a\nkcfg: b\n"},
		{"nested join", errors.Join(errors.New("a"), errors.Join(errors.New("b"), errors.New("c"))), "kcfg: a\nkcfg: b\nkcfg: c\n"},
		{"two %w", fmt.Errorf("%w: label selector %q: %w", sentinel, "app in (", errors.New("parse error")),
			"kcfg: invalid options: label selector \"app in (\": parse error\n"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			io, _, _, errOut := iostreams.Test()
			printError(&Factory{IO: io}, tt.err)
			if got := errOut.String(); got != tt.want {
				t.Errorf("printed %q, want %q", got, tt.want)
			}
			if strings.Count(tt.want, "\n") == 1 && !errors.Is(tt.err, sentinel) {
				t.Error("the sentinel is not wrapped")
			}
		})
	}
}
