package kubeconfig

import (
	"bytes"
	"strings"

	yaml "go.yaml.in/yaml/v3"
)

// This file holds a scanner for kubeconfig files in the shape kubectl
// writes them, for the commands that must be fast on files with thousands
// of contexts (use, current, list -o name). A full YAML parse and
// clientcmd decode of a 5 MB file takes hundreds of milliseconds; the
// scanner reads the file once, byte by byte, and only accepts it when it
// can tell for sure how clientcmd reads it:
//
//   - printable ASCII only, "\n" line breaks (no BOM, no CR, no tab);
//   - block mappings and sequences only (no flow style except {} and []),
//     consistent indentation, no anchors, aliases, tags, block scalars,
//     multi-line scalars, document markers or directives;
//   - only the keys a kubeconfig defines (clusters, users, contexts and
//     their fields), each at most once per mapping, each with a value of the
//     right type: strings that YAML 1.1 and 1.2 both read as strings, true
//     or false for booleans, valid base64 for *-data fields;
//   - apiVersion v1 and kind Config where they are written, unique names.
//
// Anything else (JSON, flow style, anchors, duplicate keys, extensions,
// unusual scalars, ...) makes the scanner give up, and the caller takes the
// full path. The scanner never decides an error: files it rejects are
// judged by the full path, so both always give the same result.

// scalarNode is a scalar value the scanner accepted.
type scalarNode struct {
	start, end int        // bytes of the token, quotes included
	vstart     int        // bytes of the value: data[vstart:vend]
	vend       int        //
	style      yaml.Style // 0 (plain), yaml.DoubleQuotedStyle or yaml.SingleQuotedStyle
	// str is set when YAML 1.1 and 1.2 both read the value as a string.
	str bool
	// b64 is set when a plain value holds only base64 characters.
	b64 bool
}

// scanNode is one node of the scanned tree.
type scanNode struct {
	kind   byte // 's' scalar, 'm' mapping, 'q' sequence, 'e' empty ({} or [])
	scalar scalarNode
	keys   []string
	vals   []*scanNode
	items  []*scanNode
}

func (n *scanNode) get(key string) *scanNode {
	for i, k := range n.keys {
		if k == key {
			return n.vals[i]
		}
	}
	return nil
}

// scanned is what the scanner extracts from one file.
type scanned struct {
	data []byte
	// current is the current-context value node; nil when the key is absent.
	current *scalarNode
	// firstKey is the offset of the first top-level key's line.
	firstKey int
	// contexts, clusters and users list the names in file order; refs
	// holds each context's cluster and user.
	contexts []string
	refs     [][2]string
	clusters []string
	users    []string
}

func (s *scanned) text(n *scalarNode) string { return string(s.data[n.vstart:n.vend]) }

// Character classes of the scanner.
const (
	cPrint  = 1 << iota // printable ASCII or space
	cPlain              // allowed inside a plain scalar: [A-Za-z0-9] and -._/:@+=%~_
	cBase64             // base64 alphabet, padding included
	cKey                // allowed in a key: [A-Za-z0-9] and -_.
)

var charClass = func() (t [256]uint8) {
	for c := 0x20; c < 0x7f; c++ {
		t[c] |= cPrint
	}
	for _, r := range "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789" {
		t[r] |= cPlain | cBase64 | cKey
	}
	for _, r := range "-._/:@+=%~_" {
		t[r] |= cPlain
	}
	for _, r := range "+/=" {
		t[r] |= cBase64
	}
	for _, r := range "-_." {
		t[r] |= cKey
	}
	return t
}()

// line is one line of content (not blank, not a comment).
type line struct {
	col   int // column of text[0]
	start int // offset of the text
	end   int // offset of the line's end (its "\n" or the end of data)
}

type scanner struct {
	data   []byte
	slab   []scanNode
	kslab  []string
	vslab  []*scanNode
	pos    int // start of the next line to read
	peeked *line
	buf    line
	bad    bool
}

// next returns the next content line without consuming it, or nil at the
// end. Blank lines and comment lines are skipped; any byte the scanner does
// not accept marks the scan bad.
func (s *scanner) peek() *line {
	if s.peeked != nil || s.bad {
		return s.peeked
	}
	d := s.data
	for s.pos < len(d) {
		start := s.pos
		end := bytes.IndexByte(d[start:], '\n')
		if end < 0 {
			end = len(d)
			s.pos = end
		} else {
			end += start
			s.pos = end + 1
		}
		i := start
		for i < end && d[i] == ' ' {
			i++
		}
		if i == end {
			continue
		}
		if d[i] == '#' {
			if !printable(d[i:end]) {
				s.bad = true
				return nil
			}
			continue
		}
		s.buf = line{col: i - start, start: i, end: end}
		s.peeked = &s.buf
		return s.peeked
	}
	return nil
}

func (s *scanner) consume() { s.peeked = nil }

func printable(b []byte) bool {
	for _, c := range b {
		if charClass[c]&cPrint == 0 {
			return false
		}
	}
	return true
}

// scanKubeconfig scans data; ok is false when the file is not in the shape
// the scanner understands.
func scanKubeconfig(data []byte) (*scanned, bool) {
	s := &scanner{data: data}
	l := s.peek()
	if l == nil || l.col != 0 {
		return nil, false
	}
	out := &scanned{data: data, firstKey: l.start}
	root := s.mapping(0)
	if s.bad || root == nil || s.peek() != nil || s.bad {
		return nil, false
	}
	if !out.interpret(root) {
		return nil, false
	}
	return out, true
}

// block parses the block starting at the next line, at column col.
func (s *scanner) block(col int) *scanNode {
	l := s.peek()
	if l == nil || l.col != col {
		return nil
	}
	if isDash(s.data, l) {
		return s.sequence(col)
	}
	return s.mapping(col)
}

func isDash(d []byte, l *line) bool {
	return d[l.start] == '-' && (l.start+1 == l.end || d[l.start+1] == ' ')
}

// keyEnd returns the offset of the ':' ending a key at the start of l, or -1.
func keyEnd(d []byte, l *line) int {
	i := l.start
	if i >= l.end || charClass[d[i]]&cKey == 0 || d[i] == '-' || d[i] == '.' || d[i] == '_' {
		return -1
	}
	for i < l.end && charClass[d[i]]&cKey != 0 {
		i++
	}
	if i < l.end && d[i] == ':' && (i+1 == l.end || d[i+1] == ' ') {
		return i
	}
	return -1
}

// maxKeys bounds the keys of one mapping the scanner takes.
const maxKeys = 32

// node returns a new node of kind k, from a slab (a file has many).
func (s *scanner) node(k byte) *scanNode {
	if len(s.slab) == 0 {
		s.slab = make([]scanNode, 256)
	}
	n := &s.slab[0]
	s.slab = s.slab[1:]
	n.kind = k
	return n
}

func (s *scanner) mapping(col int) *scanNode {
	n := s.node('m')
	if len(s.kslab) < 8 {
		s.kslab, s.vslab = make([]string, 2048), make([]*scanNode, 2048)
	}
	n.keys, n.vals = s.kslab[:0:8], s.vslab[:0:8]
	s.kslab, s.vslab = s.kslab[8:], s.vslab[8:]
	d := s.data
	for {
		l := s.peek()
		if s.bad {
			return nil
		}
		if l == nil || l.col < col {
			return n
		}
		if l.col > col || isDash(d, l) {
			s.bad = true
			return nil
		}
		ke := keyEnd(d, l)
		if ke < 0 {
			s.bad = true
			return nil
		}
		key, ok := knownKeys[string(d[l.start:ke])]
		if !ok {
			key = string(d[l.start:ke])
		}
		// No mapping of a kubeconfig has this many keys; it also keeps the
		// duplicate check below from growing quadratic.
		if len(n.keys) == maxKeys || n.get(key) != nil {
			s.bad = true // duplicate key
			return nil
		}
		v := s.value(col, ke+1)
		if v == nil {
			s.bad = true
			return nil
		}
		n.keys = append(n.keys, key)
		n.vals = append(n.vals, v)
	}
}

// value parses what follows a key whose ':' ends at from, on the current
// line (a scalar, {} or []) or on the next lines (a block).
func (s *scanner) value(col, from int) *scanNode {
	d := s.data
	l := s.peek()
	i := from
	for i < l.end && d[i] == ' ' {
		i++
	}
	if i == l.end || (d[i] == '#' && i > from) {
		if !printable(d[i:l.end]) {
			return nil
		}
		s.consume()
		next := s.peek()
		switch {
		case next == nil:
			return nil
		case next.col > col:
			return s.block(next.col)
		case next.col == col && isDash(d, next):
			return s.sequence(col)
		}
		return nil // null
	}
	if i == from {
		return nil
	}
	n := s.inline(l, i)
	s.consume()
	return n
}

// inline parses a scalar, {} or [] from offset i to the end of line l.
func (s *scanner) inline(l *line, i int) *scanNode {
	d := s.data
	n := s.node('s')
	sc := &n.scalar
	sc.start = i
	var j int
	switch d[i] {
	case '{', '[':
		if i+1 >= l.end || d[i+1] != d[i]+2 {
			return nil
		}
		n.kind = 'e'
		j = i + 2
	case '"', '\'':
		q := d[i]
		k := bytes.IndexByte(d[i+1:l.end], q)
		if k < 0 {
			return nil
		}
		j = i + 1 + k + 1
		if q == '\'' && j < l.end && d[j] == '\'' {
			return nil // '' escape
		}
		sc.vstart, sc.vend = i+1, j-1
		if !printable(d[sc.vstart:sc.vend]) || (q == '"' && bytes.IndexByte(d[sc.vstart:sc.vend], '\\') >= 0) {
			return nil
		}
		sc.style, sc.str = yaml.DoubleQuotedStyle, true
		if q == '\'' {
			sc.style = yaml.SingleQuotedStyle
		}
	default:
		// Most values fill the rest of their line: check it in one go.
		j = l.end
		acc := classAnd(d[i:j])
		if acc&cPlain == 0 {
			j = i
			for j < l.end && charClass[d[j]]&cPlain != 0 {
				j++
			}
			acc = classAnd(d[i:j])
		}
		if j == i {
			return nil
		}
		sc.vstart, sc.vend = i, j
		sc.str = plainString(d[i:j])
		sc.b64 = acc&cBase64 != 0
	}
	sc.end = j
	// After the value: spaces, then the end of the line or a comment.
	k := j
	for k < l.end && d[k] == ' ' {
		k++
	}
	if k < l.end && (d[k] != '#' || k == j || !printable(d[k:l.end])) {
		return nil
	}
	return n
}

func isString(n *scanNode) bool { return n.kind == 's' && n.scalar.str }

// plainString reports whether a plain scalar made of cPlain characters is
// read as this same string by YAML 1.1 and 1.2: it starts with a letter,
// a "/", "./", "../", "~/", or a "-" followed by a letter or "-"; it is no
// boolean or null word; it does not end with ":".
func plainString(b []byte) bool {
	if len(b) == 0 || b[len(b)-1] == ':' {
		return false
	}
	c := b[0]
	switch {
	case c >= 'a' && c <= 'z' || c >= 'A' && c <= 'Z':
		if len(b) <= 5 && yaml11Words[strings.ToLower(string(b))] {
			return false
		}
	case c == '/':
	case c == '.':
		if !(bytes.HasPrefix(b, []byte("./")) || bytes.HasPrefix(b, []byte("../"))) {
			return false
		}
	case c == '~':
		if !bytes.HasPrefix(b, []byte("~/")) {
			return false
		}
	case c == '-':
		if len(b) < 2 || !(b[1] == '-' || b[1] >= 'a' && b[1] <= 'z' || b[1] >= 'A' && b[1] <= 'Z') {
			return false
		}
	default:
		return false
	}
	return true
}

func (s *scanner) sequence(col int) *scanNode {
	n := s.node('q')
	d := s.data
	for {
		l := s.peek()
		if s.bad {
			return nil
		}
		if l == nil || l.col < col || (l.col == col && !isDash(d, l)) {
			return n
		}
		if l.col > col {
			s.bad = true
			return nil
		}
		i := l.start + 1
		for i < l.end && d[i] == ' ' {
			i++
		}
		if i == l.end || d[i] == '#' || d[i] == '-' && (i+1 == l.end || d[i+1] == ' ') {
			s.bad = true // "-" alone, or a nested sequence
			return nil
		}
		rest := line{col: l.col + (i - l.start), start: i, end: l.end}
		var item *scanNode
		if keyEnd(d, &rest) >= 0 {
			s.buf = rest
			item = s.mapping(rest.col)
		} else {
			item = s.inline(&rest, i)
			s.consume()
		}
		if item == nil || s.bad {
			s.bad = true
			return nil
		}
		n.items = append(n.items, item)
	}
}

// Field types of the kubeconfig schema.
const (
	tString = iota
	tBool
	tBytes
	tStrings  // a list of strings
	tExec     // users[].user.exec
	tEnv      // exec.env: a list of {name, value}
	tProvider // users[].user.auth-provider
	tStrMap   // a mapping of strings to strings
)

var clusterFields = map[string]int{
	"server": tString, "certificate-authority": tString, "certificate-authority-data": tBytes,
	"insecure-skip-tls-verify": tBool, "tls-server-name": tString, "proxy-url": tString,
	"disable-compression": tBool,
}

var userFields = map[string]int{
	"client-certificate": tString, "client-certificate-data": tBytes, "client-key": tString,
	"client-key-data": tBytes, "token": tString, "tokenFile": tString, "as": tString,
	"as-uid": tString, "as-groups": tStrings, "username": tString, "password": tString,
	"exec": tExec, "auth-provider": tProvider,
}

var contextFields = map[string]int{"cluster": tString, "user": tString, "namespace": tString}

var execFields = map[string]int{
	"command": tString, "args": tStrings, "env": tEnv, "apiVersion": tString,
	"installHint": tString, "provideClusterInfo": tBool, "interactiveMode": tString,
}

var envFields = map[string]int{"name": tString, "value": tString}

// knownKeys holds every key of the schema, so that scanning a key does not
// allocate.
var knownKeys = func() map[string]string {
	m := map[string]string{}
	for _, k := range []string{"apiVersion", "kind", "current-context", "preferences", "name",
		ListClusters, ListUsers, ListContexts, "cluster", "user", "context", "config"} {
		m[k] = k
	}
	for _, f := range []map[string]int{clusterFields, userFields, contextFields, execFields, envFields} {
		for k := range f {
			m[k] = k
		}
	}
	return m
}()

var providerFields = map[string]int{"name": tString, "config": tStrMap}

// interpret checks the scanned tree against the kubeconfig schema and
// extracts what the fast commands need.
func (s *scanned) interpret(root *scanNode) bool {
	for i, key := range root.keys {
		v := root.vals[i]
		switch key {
		case "apiVersion", "kind":
			want := "v1"
			if key == "kind" {
				want = "Config"
			}
			if !isString(v) || s.text(&v.scalar) != want {
				return false
			}
		case "current-context":
			if !isString(v) {
				return false
			}
			s.current = &v.scalar
		case "preferences":
			if v.kind != 'e' || s.data[v.scalar.start] != '{' {
				return false
			}
		case ListClusters, ListUsers, ListContexts:
			if !s.list(key, v) {
				return false
			}
		default:
			return false
		}
	}
	return unique(s.contexts) && unique(s.clusters) && unique(s.users)
}

func unique(names []string) bool {
	seen := make(map[string]struct{}, len(names))
	for _, n := range names {
		if _, dup := seen[n]; dup {
			return false
		}
		seen[n] = struct{}{}
	}
	return true
}

func (s *scanned) list(list string, v *scanNode) bool {
	if v.kind == 'e' {
		return s.data[v.scalar.start] == '['
	}
	if v.kind != 'q' {
		return false
	}
	fields := map[string]map[string]int{ListClusters: clusterFields, ListUsers: userFields, ListContexts: contextFields}[list]
	for _, it := range v.items {
		if it.kind != 'm' || len(it.keys) != 2 {
			return false
		}
		name, body := it.get("name"), it.get(bodyKey[list])
		if name == nil || body == nil || !isString(name) || name.scalar.vend == name.scalar.vstart {
			return false
		}
		if body.kind == 'e' {
			if s.data[body.scalar.start] != '{' {
				return false
			}
		} else if !s.fields(body, fields) {
			return false
		}
		n := s.text(&name.scalar)
		switch list {
		case ListClusters:
			s.clusters = append(s.clusters, n)
		case ListUsers:
			s.users = append(s.users, n)
		case ListContexts:
			var ref [2]string
			if c := body.get("cluster"); c != nil {
				ref[0] = s.text(&c.scalar)
			}
			if u := body.get("user"); u != nil {
				ref[1] = s.text(&u.scalar)
			}
			s.contexts = append(s.contexts, n)
			s.refs = append(s.refs, ref)
		}
	}
	return true
}

// fields checks a mapping against a schema.
func (s *scanned) fields(m *scanNode, schema map[string]int) bool {
	if m.kind != 'm' {
		return false
	}
	for i, key := range m.keys {
		t, ok := schema[key]
		if !ok || !s.typed(m.vals[i], t) {
			return false
		}
	}
	return true
}

func (s *scanned) typed(v *scanNode, t int) bool {
	switch t {
	case tString:
		return isString(v)
	case tBool:
		if v.kind != 's' || v.scalar.style != 0 {
			return false
		}
		b := s.text(&v.scalar)
		return b == "true" || b == "false"
	case tBytes:
		return isString(v) && base64Valid(s.data[v.scalar.vstart:v.scalar.vend], v.scalar.b64)
	case tStrings:
		if v.kind == 'e' {
			return s.data[v.scalar.start] == '['
		}
		if v.kind != 'q' {
			return false
		}
		for _, it := range v.items {
			if !isString(it) {
				return false
			}
		}
		return true
	case tEnv:
		if v.kind == 'e' {
			return s.data[v.scalar.start] == '['
		}
		if v.kind != 'q' {
			return false
		}
		for _, it := range v.items {
			if !s.fields(it, envFields) {
				return false
			}
		}
		return true
	case tExec:
		return v.kind == 'm' && s.fields(v, execFields)
	case tProvider:
		return v.kind == 'm' && s.fields(v, providerFields)
	case tStrMap:
		if v.kind == 'e' {
			return s.data[v.scalar.start] == '{'
		}
		if v.kind != 'm' {
			return false
		}
		for i, k := range v.keys {
			if !plainString([]byte(k)) || !isString(v.vals[i]) {
				return false
			}
		}
		return true
	}
	return false
}

// base64Valid reports whether b is standard, padded base64, as Go's JSON
// decoder reads []byte fields; chars says that every byte of b is in the
// base64 alphabet or "=".
func base64Valid(b []byte, chars bool) bool {
	if len(b)%4 != 0 {
		return false
	}
	if !chars && !printable(b) {
		return false
	}
	if !chars {
		if classAnd(b)&cBase64 == 0 {
			return false
		}
	}
	eq := bytes.IndexByte(b, '=')
	if eq < 0 {
		return true
	}
	return eq >= len(b)-2 && (eq == len(b)-1 || b[len(b)-1] == '=')
}

// classAnd is the intersection of the character classes of every byte of b.
func classAnd(b []byte) uint8 {
	acc := uint8(0xff)
	for len(b) >= 8 {
		acc &= charClass[b[0]] & charClass[b[1]] & charClass[b[2]] & charClass[b[3]] &
			charClass[b[4]] & charClass[b[5]] & charClass[b[6]] & charClass[b[7]]
		b = b[8:]
	}
	for _, c := range b {
		acc &= charClass[c]
	}
	return acc
}
