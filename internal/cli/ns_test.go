package cli

import (
	"bytes"
	"errors"
	"strings"
	"testing"
	"time"

	"github.com/kcfg-dev/kcfg/internal/iostreams"
)

func TestNsFlags(t *testing.T) {
	tests := []struct {
		args     []string
		want     NsOptions
		wantCode int
	}{
		{args: nil, want: NsOptions{Timeout: 10 * time.Second}},
		{args: []string{"kube-system"}, want: NsOptions{Namespace: "kube-system", Timeout: 10 * time.Second}},
		{args: []string{"--timeout", "2s"}, want: NsOptions{Timeout: 2 * time.Second}},
		{args: []string{"--timeout", "0s"}, wantCode: ExitUsage},
		{args: []string{"--timeout", "-1s"}, wantCode: ExitUsage},
	}
	for _, tt := range tests {
		t.Run(strings.Join(tt.args, " "), func(t *testing.T) {
			io, _, _, _ := iostreams.Test()
			var got *NsOptions
			cmd := NewCmdNs(&Factory{IO: io, Getenv: func(string) string { return "" }}, func(o *NsOptions) error {
				got = o
				return nil
			})
			cmd.SetArgs(tt.args)
			cmd.SetOut(&bytes.Buffer{})
			cmd.SetErr(&bytes.Buffer{})
			err := cmd.Execute()
			if tt.wantCode != 0 {
				var ee *ExitError
				if !errors.As(err, &ee) || ee.Code != tt.wantCode {
					t.Fatalf("got %v, want exit %d", err, tt.wantCode)
				}
				return
			}
			if err != nil {
				t.Fatal(err)
			}
			if got.Namespace != tt.want.Namespace || got.Timeout != tt.want.Timeout {
				t.Errorf("got %+v, want %+v", *got, tt.want)
			}
		})
	}
}
