package watch

import (
	"context"
	"fmt"
	"sync"
)

// OnFull says what happens when an event arrives at a handler whose queue
// is full.
type OnFull string

const (
	// DropOldest drops the oldest queued event to make room, and counts it.
	DropOldest OnFull = "drop"
	// Block makes delivery wait until the handler has taken an event. While
	// it waits, the informers of the waiting contexts stop reading their
	// watch, so nothing piles up in memory; the API server holds the rest.
	Block OnFull = "block"
)

// ParseOnFull checks a policy name: "drop" (or "drop-oldest") or "block".
func ParseOnFull(s string) (OnFull, error) {
	switch s {
	case "drop", "drop-oldest", "":
		return DropOldest, nil
	case "block":
		return Block, nil
	}
	return "", fmt.Errorf("on-full policy %q: want drop or block", s)
}

// queue is a bounded FIFO of events with one consumer and any number of
// producers. Its memory is at most size events.
type queue struct {
	policy OnFull

	mu      sync.Mutex
	buf     []Event
	head, n int
	dropped uint64
	waits   uint64
	// dropping is set from the first drop until the queue is next empty,
	// so that an overflow is reported once, not once per event.
	dropping bool

	notEmpty chan struct{}
	notFull  chan struct{}
}

func newQueue(size int, policy OnFull) *queue {
	if size < 1 {
		size = 1
	}
	return &queue{policy: policy, buf: make([]Event, size),
		notEmpty: make(chan struct{}, 1), notFull: make(chan struct{}, 1)}
}

func signal(c chan struct{}) {
	select {
	case c <- struct{}{}:
	default:
	}
}

// push adds ev. With DropOldest it never waits and reports whether this
// push started an overflow (the first drop since the queue was last empty).
// With Block it waits for room; waiting is called with true before it
// waits and false after. It fails only when ctx ends.
func (q *queue) push(ctx context.Context, ev Event, waiting func(bool)) (overflow bool, err error) {
	waited := false
	defer func() {
		if waited && waiting != nil {
			waiting(false)
		}
	}()
	for {
		q.mu.Lock()
		if q.n == len(q.buf) && q.policy == DropOldest {
			q.buf[q.head] = Event{}
			q.head = (q.head + 1) % len(q.buf)
			q.n--
			q.dropped++
			overflow = !q.dropping
			q.dropping = true
		}
		if q.n < len(q.buf) {
			q.buf[(q.head+q.n)%len(q.buf)] = ev
			q.n++
			room := q.n < len(q.buf)
			q.mu.Unlock()
			signal(q.notEmpty)
			if room {
				signal(q.notFull)
			}
			return overflow, nil
		}
		if !waited {
			q.waits++
		}
		q.mu.Unlock()
		if !waited && waiting != nil {
			waiting(true)
		}
		waited = true
		select {
		case <-q.notFull:
		case <-ctx.Done():
			return false, ctx.Err()
		}
	}
}

// pop takes the oldest event, waiting for one until ctx ends.
func (q *queue) pop(ctx context.Context) (Event, error) {
	for {
		q.mu.Lock()
		if q.n > 0 {
			ev := q.buf[q.head]
			q.buf[q.head] = Event{}
			q.head = (q.head + 1) % len(q.buf)
			q.n--
			if q.n == 0 {
				q.dropping = false
			}
			q.mu.Unlock()
			signal(q.notFull)
			return ev, nil
		}
		q.mu.Unlock()
		select {
		case <-q.notEmpty:
		case <-ctx.Done():
			return Event{}, ctx.Err()
		}
	}
}

// unpop puts ev back at the head of the queue, where pop took it from, so
// that it is counted as queued. With DropOldest a full queue drops ev.
func (q *queue) unpop(ev Event) {
	q.mu.Lock()
	defer q.mu.Unlock()
	if q.n == len(q.buf) {
		q.dropped++
		return
	}
	q.head = (q.head - 1 + len(q.buf)) % len(q.buf)
	q.buf[q.head] = ev
	q.n++
}

// stats returns the number of events dropped, the number of pushes that
// had to wait, and the number queued now.
func (q *queue) stats() (dropped, waits uint64, queued int) {
	q.mu.Lock()
	defer q.mu.Unlock()
	return q.dropped, q.waits, q.n
}
