package kubeconfig

import (
	"bytes"
	"errors"
	"fmt"
	"sort"
	"strings"

	yaml "go.yaml.in/yaml/v3"
)

// ErrUnsupportedLayout: a part of the file is written in a way kcfg cannot
// edit in place without touching other bytes; the file is left unchanged.
var ErrUnsupportedLayout = errors.New("cannot edit this part of the file in place")

// text is the bytes of one YAML or JSON document with its node tree, and
// the edits queued on it. Node positions (line and column, in characters)
// are turned into byte offsets, so that an edit replaces exactly the bytes
// of the value it changes and every other byte stays.
type text struct {
	path  string
	data  []byte
	bom   int
	lines []int // byte offset where each line starts; lines[0] is line 1
	doc   *yaml.Node
	root  *yaml.Node // the top mapping, nil for an empty file
	flow  bool       // the top mapping is in flow style: JSON
	nl    string
	edits []textEdit
}

type textEdit struct {
	start, end int
	text       string
	seq        int
	// late edits go after other insertions at the same offset.
	late bool
}

func newText(path string, data []byte) (*text, error) {
	t := &text{path: path, data: data, nl: "\n"}
	if bytes.HasPrefix(data, []byte("\xef\xbb\xbf")) {
		t.bom = 3
	}
	t.lines = lineStarts(data, t.bom)
	if i := bytes.IndexByte(data, '\n'); i > 0 && data[i-1] == '\r' {
		t.nl = "\r\n"
	}
	var doc yaml.Node
	if err := yaml.Unmarshal(data, &doc); err != nil {
		return nil, &Error{File: path, Err: ErrSyntax, Detail: err.Error()}
	}
	t.doc = &doc
	if len(doc.Content) > 0 {
		root := doc.Content[0]
		switch {
		case root.Kind == yaml.MappingNode:
			t.root = root
			t.flow = root.Style&yaml.FlowStyle != 0
		case root.Kind == yaml.ScalarNode && root.Tag == "!!null":
		default:
			return nil, &Error{File: path, Line: root.Line, Err: ErrNotKubeconfig, Detail: "the document is not a mapping"}
		}
	}
	return t, nil
}

// lineStarts finds line starts with YAML's line breaks (CR LF, CR, LF,
// NEL, LS, PS), as the parser counts them.
func lineStarts(data []byte, from int) []int {
	lines := []int{from}
	for i := from; i < len(data); {
		c := data[i]
		switch {
		case c == '\r' && i+1 < len(data) && data[i+1] == '\n':
			i += 2
		case c == '\r' || c == '\n':
			i++
		case c == 0xC2 && i+1 < len(data) && data[i+1] == 0x85:
			i += 2
		case c == 0xE2 && i+2 < len(data) && data[i+1] == 0x80 && (data[i+2] == 0xA8 || data[i+2] == 0xA9):
			i += 3
		default:
			i++
			continue
		}
		lines = append(lines, i)
	}
	return lines
}

// offset is the byte offset where node n starts (its tag or anchor, if any).
func (t *text) offset(n *yaml.Node) int {
	if n.Line < 1 || n.Line > len(t.lines) {
		return len(t.data)
	}
	off := t.lines[n.Line-1]
	for col := 1; col < n.Column && off < len(t.data); col++ {
		off += utf8Width(t.data[off])
	}
	return off
}

func utf8Width(b byte) int {
	switch {
	case b < 0x80:
		return 1
	case b>>5 == 0x6:
		return 2
	case b>>4 == 0xE:
		return 3
	case b>>3 == 0x1E:
		return 4
	}
	return 1
}

func (t *text) lineIndex(off int) int {
	return sort.Search(len(t.lines), func(i int) bool { return t.lines[i] > off }) - 1
}

func (t *text) lineStart(off int) int { return t.lines[max(t.lineIndex(off), 0)] }

// lineEnd is the offset just after the line break ending the line holding off.
func (t *text) lineEnd(off int) int {
	i := t.lineIndex(off)
	if i+1 < len(t.lines) {
		return t.lines[i+1]
	}
	return len(t.data)
}

// contentEnd is the end of the line holding off, before its line break.
func (t *text) contentEnd(off int) int {
	e := t.lineEnd(off)
	for e > off && (t.data[e-1] == '\n' || t.data[e-1] == '\r') {
		e--
	}
	return e
}

// indentOf counts the spaces that start the line holding off.
func (t *text) indentOf(off int) int {
	s := t.lineStart(off)
	i := s
	for i < len(t.data) && t.data[i] == ' ' {
		i++
	}
	return i - s
}

func (t *text) errorAt(n *yaml.Node, format string, args ...any) error {
	e := &Error{File: t.path, Err: ErrUnsupportedLayout, Detail: fmt.Sprintf(format, args...)}
	if n != nil {
		e.Line = n.Line
	}
	return e
}

// skipProps skips a node's tag and anchor and the blanks after them.
func (t *text) skipProps(off int) int {
	for off < len(t.data) && (t.data[off] == '!' || t.data[off] == '&') {
		for off < len(t.data) && !isBlankOrBreak(t.data[off]) {
			off++
		}
		for off < len(t.data) && isBlankOrBreak(t.data[off]) {
			off++
		}
	}
	return off
}

func isBlankOrBreak(c byte) bool { return c == ' ' || c == '\t' || c == '\n' || c == '\r' }

// end returns the offset just after the last byte of node n. indent is the
// indentation of the block that holds n (a key's or a dash's column).
func (t *text) end(n *yaml.Node, indent int) (int, error) {
	switch n.Kind {
	case yaml.AliasNode:
		return t.offset(n) + 1 + len(n.Value), nil
	case yaml.ScalarNode:
		return t.scalarEnd(n, indent)
	case yaml.MappingNode, yaml.SequenceNode:
		if n.Style&yaml.FlowStyle != 0 {
			return t.flowEnd(n)
		}
		if len(n.Content) == 0 {
			return 0, t.errorAt(n, "empty block collection")
		}
		last := n.Content[len(n.Content)-1]
		childIndent := t.childIndent(n)
		return t.end(last, childIndent)
	}
	return 0, t.errorAt(n, "unexpected node")
}

// childIndent is the column (from 0) of a block mapping's keys or a block
// sequence's dashes.
func (t *text) childIndent(n *yaml.Node) int {
	if n.Kind == yaml.MappingNode && len(n.Content) > 0 {
		return n.Content[0].Column - 1
	}
	off := t.skipProps(t.offset(n))
	return off - t.lineStart(off)
}

func (t *text) scalarEnd(n *yaml.Node, indent int) (int, error) {
	start := t.offset(n)
	off := t.skipProps(start)
	if n.Tag != "" && n.Style&yaml.TaggedStyle == 0 && n.Anchor == "" {
		off = start
	}
	d := t.data
	switch {
	case n.Style&yaml.DoubleQuotedStyle != 0:
		for i := off + 1; i < len(d); i++ {
			switch d[i] {
			case '\\':
				i++
			case '"':
				return i + 1, nil
			}
		}
	case n.Style&yaml.SingleQuotedStyle != 0:
		for i := off + 1; i < len(d); i++ {
			if d[i] == '\'' {
				if i+1 < len(d) && d[i+1] == '\'' {
					i++
					continue
				}
				return i + 1, nil
			}
		}
	case n.Style&(yaml.LiteralStyle|yaml.FoldedStyle) != 0:
		return t.continuedEnd(t.contentEnd(off), indent, false), nil
	default:
		if n.Value == "" {
			return off, nil
		}
		if !strings.ContainsAny(n.Value, "\n\r") && bytes.HasPrefix(d[off:], []byte(n.Value)) {
			e := off + len(n.Value)
			if e == len(d) || isBlankOrBreak(d[e]) || bytes.IndexByte([]byte(",]}#"), d[e]) >= 0 {
				return e, nil
			}
		}
		if t.lineStart(off) == off || n.Style&yaml.FlowStyle != 0 {
			break
		}
		return t.continuedEnd(t.contentEnd(off), indent, true), nil
	}
	return 0, t.errorAt(n, "cannot find where this value ends")
}

// continuedEnd extends a scalar ending at end over the following lines
// indented more than indent (block scalars, multi-line plain scalars).
func (t *text) continuedEnd(end, indent int, plain bool) int {
	for i := t.lineIndex(end) + 1; i < len(t.lines); i++ {
		s := t.lines[i]
		e := t.contentEnd(s)
		j := s
		for j < e && t.data[j] == ' ' {
			j++
		}
		if j == e {
			continue // blank line
		}
		if j-s <= indent || (plain && t.data[j] == '#') {
			break
		}
		end = e
		if plain {
			if k := bytes.Index(t.data[j:e], []byte(" #")); k >= 0 {
				end = j + k
			}
		}
	}
	return end
}

// flowEnd finds the bracket closing a flow collection.
func (t *text) flowEnd(n *yaml.Node) (int, error) {
	d := t.data
	off := t.skipProps(t.offset(n))
	if off >= len(d) || (d[off] != '[' && d[off] != '{') {
		return 0, t.errorAt(n, "flow collection not found")
	}
	depth := 0
	for i := off; i < len(d); i++ {
		switch d[i] {
		case '[', '{':
			depth++
		case ']', '}':
			depth--
			if depth == 0 {
				return i + 1, nil
			}
		case '"':
			for i++; i < len(d) && d[i] != '"'; i++ {
				if d[i] == '\\' {
					i++
				}
			}
		case '\'':
			for i++; i < len(d); i++ {
				if d[i] == '\'' {
					if i+1 < len(d) && d[i+1] == '\'' {
						i++
						continue
					}
					break
				}
			}
		case '#':
			if i > 0 && isBlankOrBreak(d[i-1]) {
				i = t.contentEnd(i) - 1
			}
		}
	}
	return 0, t.errorAt(n, "unclosed flow collection")
}

// queue adds an edit replacing data[start:end] with s.
func (t *text) queue(start, end int, s string) {
	t.edits = append(t.edits, textEdit{start: start, end: end, text: s, seq: len(t.edits)})
}

// queueLate is queue for an insertion that must follow any other at start.
func (t *text) queueLate(start int, s string) {
	t.edits = append(t.edits, textEdit{start: start, end: start, text: s, seq: len(t.edits), late: true})
}

// apply returns the text with every queued edit made. Edits must not overlap.
func (t *text) apply() ([]byte, error) {
	edits := append([]textEdit(nil), t.edits...)
	sort.SliceStable(edits, func(i, j int) bool {
		if edits[i].start != edits[j].start {
			return edits[i].start < edits[j].start
		}
		if edits[i].late != edits[j].late {
			return !edits[i].late
		}
		return edits[i].seq < edits[j].seq
	})
	var b bytes.Buffer
	b.Grow(len(t.data) + 256)
	pos := 0
	for _, e := range edits {
		if e.start < pos {
			return nil, &Error{File: t.path, Err: ErrUnsupportedLayout, Detail: "two changes overlap"}
		}
		b.Write(t.data[pos:e.start])
		b.WriteString(e.text)
		pos = e.end
	}
	b.Write(t.data[pos:])
	return b.Bytes(), nil
}

// withNL turns the "\n" of rendered text into the file's line ending.
func (t *text) withNL(s string) string {
	if t.nl == "\n" {
		return s
	}
	return strings.ReplaceAll(s, "\n", t.nl)
}

// endsWithBreak reports whether the file ends with a line break.
func (t *text) endsWithBreak() bool {
	return len(t.data) > t.bom && (t.data[len(t.data)-1] == '\n' || t.data[len(t.data)-1] == '\r')
}

// referenced reports whether an alias elsewhere points at n.
func (t *text) referenced(n *yaml.Node) bool {
	if n.Anchor == "" {
		return false
	}
	found := false
	var walk func(*yaml.Node)
	walk = func(x *yaml.Node) {
		if x.Kind == yaml.AliasNode && x.Alias == n {
			found = true
		}
		for _, c := range x.Content {
			walk(c)
		}
	}
	walk(t.doc)
	return found
}
