package watch

import (
	"bytes"
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"net/http"
	"net/url"
	"os/exec"
	"strconv"
	"time"

	"k8s.io/apimachinery/pkg/util/wait"
)

// Handler reacts to events. Each handler registered with Watcher.Handle is
// called from one goroutine of its own, one event at a time, in the order
// the events arrived; an error is counted and reported, and the next event
// follows.
type Handler interface {
	Handle(ctx context.Context, ev Event) error
}

// HandlerFunc is a function used as a Handler.
type HandlerFunc func(ctx context.Context, ev Event) error

// Handle calls f.
func (f HandlerFunc) Handle(ctx context.Context, ev Event) error { return f(ctx, ev) }

// EventEnv returns the KCFG_EVENT_* variables describing ev, as NAME=value.
func EventEnv(ev Event) []string {
	return []string{
		"KCFG_EVENT_TYPE=" + string(ev.Type),
		"KCFG_EVENT_CONTEXT=" + ev.Context,
		"KCFG_EVENT_GROUP=" + ev.Resource.Group,
		"KCFG_EVENT_VERSION=" + ev.Resource.Version,
		"KCFG_EVENT_RESOURCE=" + ev.Resource.Resource,
		"KCFG_EVENT_KIND=" + ev.Resource.Kind,
		"KCFG_EVENT_NAMESPACE=" + ev.Namespace,
		"KCFG_EVENT_NAME=" + ev.Name,
		"KCFG_EVENT_RESOURCE_VERSION=" + ev.ResourceVersion,
		"KCFG_EVENT_TIME=" + ev.Time.UTC().Format(time.RFC3339Nano),
		"KCFG_EVENT_INITIAL=" + strconv.FormatBool(ev.Initial),
	}
}

// ExecHandler runs a shell command for each event, with the event's JSON
// (one line) on its stdin and the KCFG_EVENT_* variables in its environment.
type ExecHandler struct {
	// Command is run with /bin/sh -c.
	Command string
	// Env is the environment the KCFG_EVENT_* variables are added to; nil
	// means the environment of the current process.
	Env []string
	// Stdout and Stderr receive the command's output; nil discards it.
	Stdout, Stderr io.Writer
	// Timeout bounds each run; zero means no bound.
	Timeout time.Duration
}

// Handle runs the command for ev; a non-zero exit is an error.
func (h *ExecHandler) Handle(ctx context.Context, ev Event) error {
	data, err := json.Marshal(ev)
	if err != nil {
		return err
	}
	if h.Timeout > 0 {
		var cancel context.CancelFunc
		ctx, cancel = context.WithTimeout(ctx, h.Timeout)
		defer cancel()
	}
	cmd := exec.CommandContext(ctx, "/bin/sh", "-c", h.Command)
	cmd.Stdin = bytes.NewReader(append(data, '\n'))
	env := h.Env
	if env == nil {
		env = cmd.Environ()
	}
	cmd.Env = append(append([]string(nil), env...), EventEnv(ev)...)
	cmd.Stdout, cmd.Stderr = h.Stdout, h.Stderr
	cmd.WaitDelay = time.Second
	stopGroup(cmd)
	if err := cmd.Run(); err != nil {
		return fmt.Errorf("exec %q for %s %s/%s: %w", h.Command, ev.Type, ev.Namespace, ev.Name, err)
	}
	return nil
}

// WebhookHandler POSTs each event's JSON to a URL, retrying with
// exponential backoff on network errors, 408, 429 and 5xx answers.
type WebhookHandler struct {
	URL string
	// Client sends the requests; nil means a client with a 10 s timeout.
	Client *http.Client
	// Backoff spaces the attempts; zero means 5 attempts, 500 ms apart at
	// first, doubling, at most 10 s.
	Backoff wait.Backoff
}

// ErrWebhook is wrapped by the error of a delivery that failed for good.
var ErrWebhook = errors.New("webhook delivery failed")

// Handle POSTs ev and returns once the server accepted it (2xx) or the
// attempts are used up.
func (h *WebhookHandler) Handle(ctx context.Context, ev Event) error {
	data, err := json.Marshal(ev)
	if err != nil {
		return err
	}
	client := h.Client
	if client == nil {
		client = &http.Client{Timeout: 10 * time.Second}
	}
	b := h.Backoff
	if b.Steps == 0 {
		b = wait.Backoff{Duration: 500 * time.Millisecond, Factor: 2, Jitter: 0.1, Steps: 5, Cap: 10 * time.Second}
	}
	attempts := b.Steps
	var last error
	attempt := 1
	for ; ; attempt++ {
		retry, err := h.post(ctx, client, data)
		if err == nil {
			return nil
		}
		last = err
		if !retry || attempt >= attempts {
			break
		}
		t := time.NewTimer(b.Step())
		select {
		case <-ctx.Done():
			t.Stop()
			return ctx.Err()
		case <-t.C:
		}
	}
	return fmt.Errorf("%w: %s %s/%s to %s after %d attempt(s): %w", ErrWebhook, ev.Type, ev.Namespace, ev.Name, redactURL(h.URL), attempt, last)
}

func (h *WebhookHandler) post(ctx context.Context, client *http.Client, data []byte) (retry bool, err error) {
	req, err := http.NewRequestWithContext(ctx, http.MethodPost, h.URL, bytes.NewReader(data))
	if err != nil {
		return false, err
	}
	req.Header.Set("Content-Type", "application/json")
	resp, err := client.Do(req)
	if err != nil {
		if ctx.Err() != nil {
			return false, ctx.Err()
		}
		var ue *url.Error
		if errors.As(err, &ue) {
			err = ue.Err // the URL is named once, redacted, by the caller
		}
		return true, err
	}
	_, _ = io.Copy(io.Discard, io.LimitReader(resp.Body, 1<<16))
	resp.Body.Close()
	switch {
	case resp.StatusCode >= 200 && resp.StatusCode < 300:
		return false, nil
	case resp.StatusCode == http.StatusRequestTimeout, resp.StatusCode == http.StatusTooManyRequests, resp.StatusCode >= 500:
		return true, fmt.Errorf("HTTP %s", resp.Status)
	}
	return false, fmt.Errorf("HTTP %s", resp.Status)
}

// redactURL hides a password in u.
func redactURL(u string) string {
	p, err := url.Parse(u)
	if err != nil {
		return "(invalid URL)"
	}
	return p.Redacted()
}
