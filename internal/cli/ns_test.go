package cli

import (
	"strings"
	"testing"
	"time"
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
			got, err := parseOnly(NewCmdNs, tt.args)
			if tt.wantCode != 0 {
				wantExitCode(t, err, tt.wantCode)
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
