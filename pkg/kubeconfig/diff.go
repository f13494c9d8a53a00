package kubeconfig

import (
	"bytes"
	"fmt"
	"strings"
)

// maxDiffEdits bounds the diff search; past it the changed middle is shown
// as removed and added whole.
const maxDiffEdits = 4000

// UnifiedDiff returns the changes from before to after in unified diff
// format with three lines of context, named after path ("" when equal).
func UnifiedDiff(path string, before, after []byte, created bool) string {
	return unifiedDiff(path, before, after, created, nil)
}

// RedactedDiff is the change's UnifiedDiff with every secret that the file
// holds before or after it (tokens, passwords, certificate and key data,
// auth-provider secrets, exec environment values) shown as REDACTED, on
// changed and context lines alike: what a dry run prints.
func (c FileChange) RedactedDiff() string {
	var secrets []string
	for _, data := range [][]byte{c.Before, c.After} {
		if len(bytes.TrimSpace(data)) == 0 {
			continue
		}
		if cfg, err := ParseFile(c.Path, data); err == nil {
			secrets = append(secrets, secretValues(cfg)...)
		}
	}
	return unifiedDiff(c.Path, c.Before, c.After, c.Created, func(line string) string {
		return redactLine(line, secrets)
	})
}

func unifiedDiff(path string, before, after []byte, created bool, filter func(string) string) string {
	if bytes.Equal(before, after) && !created {
		return ""
	}
	a, b := splitLines(before), splitLines(after)
	ops := diffLines(a, b)
	var out strings.Builder
	from := "a/" + strings.TrimPrefix(path, "/")
	if created {
		from = "/dev/null"
	}
	fmt.Fprintf(&out, "--- %s\n+++ b/%s\n", from, strings.TrimPrefix(path, "/"))
	const ctx = 3
	// ops: one per line of the edit script: ' ', '-', '+'.
	i := 0
	for i < len(ops) {
		if ops[i].kind == ' ' {
			i++
			continue
		}
		start := max(i-ctx, 0)
		end := i
		for end < len(ops) {
			if ops[end].kind != ' ' {
				end++
				continue
			}
			run := end
			for run < len(ops) && ops[run].kind == ' ' {
				run++
			}
			if run-end > 2*ctx || run == len(ops) {
				end = min(end+ctx, len(ops))
				break
			}
			end = run
		}
		aStart, bStart := ops[start].a, ops[start].b
		var aN, bN int
		for _, o := range ops[start:end] {
			if o.kind != '+' {
				aN++
			}
			if o.kind != '-' {
				bN++
			}
		}
		fmt.Fprintf(&out, "@@ -%s +%s @@\n", hunkRange(aStart, aN), hunkRange(bStart, bN))
		for _, o := range ops[start:end] {
			line := o.text
			if filter != nil {
				line = filter(line)
			}
			out.WriteByte(o.kind)
			out.WriteString(strings.TrimRight(line, "\r\n"))
			if strings.HasSuffix(line, "\r\n") {
				out.WriteString("\r")
			}
			out.WriteByte('\n')
			if !strings.HasSuffix(line, "\n") {
				out.WriteString("\\ No newline at end of file\n")
			}
		}
		i = end
	}
	return out.String()
}

func hunkRange(start, n int) string {
	if n == 0 {
		return fmt.Sprintf("%d,0", start)
	}
	if n == 1 {
		return fmt.Sprintf("%d", start+1)
	}
	return fmt.Sprintf("%d,%d", start+1, n)
}

type diffOp struct {
	kind byte
	text string
	a, b int // line indexes (0-based) in before and after at this op
}

func splitLines(data []byte) []string {
	var lines []string
	s := string(data)
	for s != "" {
		i := strings.IndexByte(s, '\n')
		if i < 0 {
			lines = append(lines, s)
			break
		}
		lines = append(lines, s[:i+1])
		s = s[i+1:]
	}
	return lines
}

// diffLines is Myers' diff with the common head and tail cut first.
func diffLines(a, b []string) []diffOp {
	pre := 0
	for pre < len(a) && pre < len(b) && a[pre] == b[pre] {
		pre++
	}
	suf := 0
	for suf < len(a)-pre && suf < len(b)-pre && a[len(a)-1-suf] == b[len(b)-1-suf] {
		suf++
	}
	var ops []diffOp
	for i := 0; i < pre; i++ {
		ops = append(ops, diffOp{' ', a[i], i, i})
	}
	ops = append(ops, myers(a[pre:len(a)-suf], b[pre:len(b)-suf], pre, pre)...)
	for k := 0; k < suf; k++ {
		i, j := len(a)-suf+k, len(b)-suf+k
		ops = append(ops, diffOp{' ', a[i], i, j})
	}
	return ops
}

func myers(a, b []string, aOff, bOff int) []diffOp {
	n, m := len(a), len(b)
	whole := func() []diffOp {
		var ops []diffOp
		for i, l := range a {
			ops = append(ops, diffOp{'-', l, aOff + i, bOff})
		}
		for j, l := range b {
			ops = append(ops, diffOp{'+', l, aOff + n, bOff + j})
		}
		return ops
	}
	if n == 0 || m == 0 {
		return whole()
	}
	maxD := min(n+m, maxDiffEdits)
	off := maxD + 1
	v := make([]int, 2*maxD+3)
	var trace [][]int
	found := false
	for d := 0; d <= maxD && !found; d++ {
		trace = append(trace, append([]int(nil), v...))
		for k := -d; k <= d; k += 2 {
			var x int
			if k == -d || (k != d && v[off+k-1] < v[off+k+1]) {
				x = v[off+k+1]
			} else {
				x = v[off+k-1] + 1
			}
			y := x - k
			for x < n && y < m && a[x] == b[y] {
				x++
				y++
			}
			v[off+k] = x
			if x >= n && y >= m {
				found = true
				break
			}
		}
	}
	if !found {
		return whole()
	}
	// Walk back through the trace.
	var rev []diffOp
	x, y := n, m
	for d := len(trace) - 1; d > 0; d-- {
		vd := trace[d]
		k := x - y
		var prevK int
		if k == -d || (k != d && vd[off+k-1] < vd[off+k+1]) {
			prevK = k + 1
		} else {
			prevK = k - 1
		}
		prevX := vd[off+prevK]
		prevY := prevX - prevK
		for x > prevX && y > prevY {
			x--
			y--
			rev = append(rev, diffOp{' ', a[x], aOff + x, bOff + y})
		}
		if x == prevX {
			y--
			rev = append(rev, diffOp{'+', b[y], aOff + x, bOff + y})
		} else {
			x--
			rev = append(rev, diffOp{'-', a[x], aOff + x, bOff + y})
		}
	}
	for x > 0 && y > 0 {
		x--
		y--
		rev = append(rev, diffOp{' ', a[x], aOff + x, bOff + y})
	}
	ops := make([]diffOp, len(rev))
	for i := range rev {
		ops[i] = rev[len(rev)-1-i]
	}
	return ops
}
