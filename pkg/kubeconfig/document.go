package kubeconfig

import (
	"bytes"
	"encoding/json"
	"fmt"
	"reflect"
	"sort"
	"strings"

	yaml "go.yaml.in/yaml/v3"
	"k8s.io/client-go/tools/clientcmd"
	clientcmdapi "k8s.io/client-go/tools/clientcmd/api"
	"k8s.io/client-go/tools/clientcmd/api/latest"
	clientcmdv1 "k8s.io/client-go/tools/clientcmd/api/v1"
	sigsyaml "sigs.k8s.io/yaml"
)

// The three stanza lists of a kubeconfig, and the key of each item's body.
const (
	ListClusters = "clusters"
	ListUsers    = "users"
	ListContexts = "contexts"
)

var bodyKey = map[string]string{ListClusters: "cluster", ListUsers: "user", ListContexts: "context"}

// kindOf names one item of a list in messages: cluster, user, context.
func kindOf(list string) string { return bodyKey[list] }

// document is one kubeconfig file being edited: its text with the queued
// edits, and its config as it must read once they are made. Every edit
// changes both; before anything is written the edited text is parsed again
// and must read as that config, so a wrong edit can never reach the disk.
type document struct {
	path   string
	exists bool
	before []byte
	t      *text
	// config is the file's own config (paths as written), as it will be.
	config  *clientcmdapi.Config
	deletes map[*yaml.Node]map[int]bool
	appends map[string][]newItem
	// rewrite is set for an empty or new file, written whole from config.
	rewrite bool
	touched bool
}

type newItem struct {
	name string
	body json.RawMessage
}

func newDocument(path string, data []byte, exists bool) (*document, error) {
	cfg, err := ParseFile(path, data)
	if err != nil {
		return nil, err
	}
	t, err := newText(path, data)
	if err != nil {
		return nil, err
	}
	return &document{path: path, exists: exists, before: data, t: t, config: cfg,
		deletes: map[*yaml.Node]map[int]bool{}, appends: map[string][]newItem{}, rewrite: t.root == nil}, nil
}

// list returns the node of a stanza list, or nil.
func (d *document) list(name string) (key, value *yaml.Node) {
	if d.t.root == nil {
		return nil, nil
	}
	return mapGet(d.t.root, name)
}

// item finds the entry called name in a list; when a file holds the name
// twice, the last one is the one clientcmd reads.
func (d *document) item(list, name string) (seq *yaml.Node, idx int) {
	_, seq = d.list(list)
	if seq == nil || seq.Kind != yaml.SequenceNode {
		return nil, -1
	}
	idx = -1
	for i, it := range seq.Content {
		if _, n := mapGet(it, "name"); n != nil && n.Value == name {
			idx = i
		}
	}
	return seq, idx
}

func (d *document) notFound(list, name string) error {
	return &Error{File: d.path, Kind: kindOf(list), Name: name, Err: ErrUnsupportedLayout, Detail: "entry not found in the file's text"}
}

// setScalar replaces the value node v (of key k in mapping m) with s.
func (d *document) setScalar(m, k, v *yaml.Node, s string) error {
	t := d.t
	if v.Kind != yaml.ScalarNode && v.Kind != yaml.AliasNode {
		return t.errorAt(v, "field %s holds a %s, not a single value", k.Value, kindName(v))
	}
	if t.referenced(v) {
		return t.errorAt(v, "field %s carries the anchor &%s that other entries use", k.Value, v.Anchor)
	}
	start := t.offset(v)
	end, err := t.end(v, t.childIndent(m))
	if err != nil {
		return err
	}
	out := renderScalar(s, v.Style, t.flow)
	if v.Kind == yaml.ScalarNode && v.Value == "" && v.Style == 0 && v.Tag == "!!null" && start == end {
		out = " " + out // "key:" with nothing after it
	}
	t.queue(start, end, out)
	d.touched = true
	return nil
}

func kindName(n *yaml.Node) string {
	switch n.Kind {
	case yaml.MappingNode:
		return "mapping"
	case yaml.SequenceNode:
		return "list"
	}
	return "value"
}

// setKey sets key to the string s in mapping m: the value is replaced where
// the key exists, else one entry is added (first in the top mapping, last
// in a nested one).
func (d *document) setKey(m *yaml.Node, key, s string, first bool) error {
	if k, v := mapGet(m, key); k != nil {
		return d.setScalar(m, k, v, s)
	}
	return d.insertKey(m, key, renderScalar(s, 0, d.t.flow), first)
}

// insertKey adds "key: value" (value already rendered, scalar or flow) to m.
func (d *document) insertKey(m *yaml.Node, key, value string, first bool) error {
	t := d.t
	d.touched = true
	if m.Style&yaml.FlowStyle != 0 {
		open := t.skipProps(t.offset(m))
		entry := renderScalar(key, 0, t.flow) + ": " + value
		if len(m.Content) == 0 {
			t.queue(open+1, open+1, entry)
			return nil
		}
		firstKey := t.offset(m.Content[0])
		sep := string(t.data[open+1 : firstKey])
		if strings.TrimSpace(sep) != "" {
			return t.errorAt(m, "cannot add %s here", key)
		}
		if sep == "" {
			sep = " "
		}
		t.queue(firstKey, firstKey, entry+","+sep)
		return nil
	}
	if len(m.Content) == 0 {
		return t.errorAt(m, "cannot add %s here", key)
	}
	indent := t.childIndent(m)
	sep := " "
	if strings.HasPrefix(value, "\n") || strings.HasPrefix(value, "\r\n") {
		sep = ""
	}
	line := strings.Repeat(" ", indent) + renderScalar(key, 0, false) + ":" + sep + value
	kOff := t.offset(m.Content[0])
	if first && kOff == t.lineStart(kOff) {
		t.queue(kOff, kOff, t.withNL(line+"\n"))
		return nil
	}
	end, err := t.end(m, indent)
	if err != nil {
		return err
	}
	pos := t.lineEnd(end)
	s := line + "\n"
	if pos == len(t.data) && !t.endsWithBreak() {
		s = "\n" + line
	}
	if m == t.root {
		t.queueLate(pos, t.withNL(s))
	} else {
		t.queue(pos, pos, t.withNL(s))
	}
	return nil
}

// setCurrentContext writes current-context.
func (d *document) setCurrentContext(name string) error {
	d.config.CurrentContext = name
	if d.rewrite {
		return nil
	}
	return d.setKey(d.t.root, "current-context", name, true)
}

// setContextNamespace writes the namespace of the context called name.
func (d *document) setContextNamespace(name, ns string) error {
	ctx, ok := d.config.Contexts[name]
	if !ok {
		return d.notFound(ListContexts, name)
	}
	ctx.Namespace = ns
	if d.rewrite {
		return nil
	}
	seq, i := d.item(ListContexts, name)
	if i < 0 {
		return d.notFound(ListContexts, name)
	}
	k, body := mapGet(seq.Content[i], "context")
	switch {
	case body == nil:
		return d.insertKey(seq.Content[i], "context", d.flowMap("namespace", ns), false)
	case body.Kind == yaml.ScalarNode && body.Tag == "!!null":
		return d.replaceNode(seq.Content[i], k, body, d.flowMap("namespace", ns))
	case body.Kind != yaml.MappingNode:
		return d.t.errorAt(body, "context %q: the context entry is not a mapping", name)
	}
	return d.setKey(body, "namespace", ns, false)
}

func (d *document) flowMap(key, value string) string {
	return "{" + renderScalar(key, 0, d.t.flow) + ": " + renderScalar(value, 0, d.t.flow) + "}"
}

// replaceNode replaces value v of key k in m with rendered text.
func (d *document) replaceNode(m, k, v *yaml.Node, rendered string) error {
	t := d.t
	start := t.offset(v)
	end, err := t.end(v, t.childIndent(m))
	if err != nil {
		return err
	}
	if start == end {
		rendered = " " + rendered
	}
	t.queue(start, end, rendered)
	d.touched = true
	return nil
}

// renameItem renames an entry of a list.
func (d *document) renameItem(list, old, name string) error {
	if err := renameInConfig(d.config, list, old, name); err != nil {
		return err
	}
	if d.rewrite {
		return nil
	}
	seq, i := d.item(list, old)
	if i < 0 {
		return d.notFound(list, old)
	}
	k, v := mapGet(seq.Content[i], "name")
	return d.setScalar(seq.Content[i], k, v, name)
}

func renameInConfig(cfg *clientcmdapi.Config, list, old, name string) error {
	switch list {
	case ListClusters:
		cfg.Clusters[name] = cfg.Clusters[old]
		delete(cfg.Clusters, old)
	case ListUsers:
		cfg.AuthInfos[name] = cfg.AuthInfos[old]
		delete(cfg.AuthInfos, old)
	case ListContexts:
		cfg.Contexts[name] = cfg.Contexts[old]
		delete(cfg.Contexts, old)
	}
	return nil
}

// deleteItem removes an entry of a list.
func (d *document) deleteItem(list, name string) error {
	switch list {
	case ListClusters:
		delete(d.config.Clusters, name)
	case ListUsers:
		delete(d.config.AuthInfos, name)
	case ListContexts:
		delete(d.config.Contexts, name)
	}
	if d.rewrite {
		return nil
	}
	seq, i := d.item(list, name)
	if i < 0 {
		return d.notFound(list, name)
	}
	// clientcmd reads the last of several entries of one name; remove them all.
	for j, it := range seq.Content {
		if _, n := mapGet(it, "name"); n != nil && n.Value == name {
			if d.deletes[seq] == nil {
				d.deletes[seq] = map[int]bool{}
			}
			d.deletes[seq][j] = true
		}
	}
	d.touched = true
	return nil
}

// addItem appends a new entry to a list, or replaces the entry of that name.
func (d *document) addItem(list, name string, obj any) error {
	body, err := stanzaJSON(list, obj)
	if err != nil {
		return err
	}
	_, exists := d.item(list, name)
	switch list {
	case ListClusters:
		d.config.Clusters[name] = obj.(*clientcmdapi.Cluster).DeepCopy()
	case ListUsers:
		d.config.AuthInfos[name] = obj.(*clientcmdapi.AuthInfo).DeepCopy()
	case ListContexts:
		d.config.Contexts[name] = obj.(*clientcmdapi.Context).DeepCopy()
	}
	d.touched = true
	if d.rewrite {
		return nil
	}
	if exists >= 0 {
		return d.replaceItem(list, name, body)
	}
	d.appends[list] = append(d.appends[list], newItem{name: name, body: body})
	return nil
}

func (d *document) replaceItem(list, name string, body json.RawMessage) error {
	t := d.t
	seq, i := d.item(list, name)
	it := seq.Content[i]
	if seq.Style&yaml.FlowStyle != 0 {
		end, err := t.end(it, 0)
		if err != nil {
			return err
		}
		start := t.offset(it)
		s, err := d.renderJSONItem(list, newItem{name, body}, t.indentOf(start))
		if err != nil {
			return err
		}
		t.queue(start, end, t.withNL(strings.TrimLeft(s, " ")))
		return nil
	}
	start, end, err := d.itemSpan(seq, i, false)
	if err != nil {
		return err
	}
	s, err := d.renderYAMLItem(list, newItem{name, body}, t.childIndent(seq), d.itemOffset(seq))
	if err != nil {
		return err
	}
	t.queue(start, end, t.withNL(s))
	return nil
}

// itemSpan is the byte range of item i of a block sequence: whole lines from
// its dash to its last value, with the comment lines just above it when
// withComments is set.
func (d *document) itemSpan(seq *yaml.Node, i int, withComments bool) (int, int, error) {
	t := d.t
	it := seq.Content[i]
	dash := t.childIndent(seq)
	j := t.offset(it) - 1
	for j >= 0 && isBlankOrBreak(t.data[j]) {
		j--
	}
	if j < 0 || t.data[j] != '-' || j-t.lineStart(j) != dash || t.indentOf(j) != dash {
		return 0, 0, t.errorAt(it, "list entry does not start with a dash on its own line")
	}
	start := t.lineStart(j)
	end, err := t.end(it, dash)
	if err != nil {
		return 0, 0, err
	}
	if withComments {
		for li := t.lineIndex(start) - 1; li >= 0; li-- {
			s := t.lines[li]
			line := string(t.data[s:t.contentEnd(s)])
			if strings.TrimLeft(line, " ") == line[dash:] && strings.HasPrefix(line[min(dash, len(line)):], "#") && strings.TrimSpace(line[:dash]) == "" {
				start = s
				continue
			}
			break
		}
	}
	return start, t.lineEnd(end), nil
}

// finish makes the queued list edits and returns the new bytes, checked:
// they must parse to exactly the config the edits were meant to produce.
func (d *document) finish() ([]byte, error) {
	var out []byte
	if d.rewrite {
		if !d.touched && !configChanged(d.before, d.config) {
			return d.before, nil
		}
		data, err := encodeFile(d.config)
		if err != nil {
			return nil, err
		}
		out = append(append([]byte(nil), d.before[:d.t.bom]...), data...)
	} else {
		if err := d.finishDeletes(); err != nil {
			return nil, err
		}
		for _, list := range []string{ListClusters, ListUsers, ListContexts} {
			if err := d.finishAppends(list); err != nil {
				return nil, err
			}
		}
		var err error
		if out, err = d.t.apply(); err != nil {
			return nil, err
		}
	}
	if err := d.check(out); err != nil {
		return nil, err
	}
	return out, nil
}

// check parses out and compares it with the config the edits must produce.
func (d *document) check(out []byte) error {
	got, err := ParseFile(d.path, out)
	if err != nil {
		return &Error{File: d.path, Err: ErrUnsupportedLayout, Detail: "the edited text would not parse (" + err.Error() + "); the file is left unchanged"}
	}
	a, err := normalize(got)
	if err != nil {
		return err
	}
	b, err := normalize(d.config)
	if err != nil {
		return err
	}
	if !reflect.DeepEqual(a, b) {
		if kind, name := firstChanged(got, d.config); kind != "" {
			return &Error{File: d.path, Kind: kind, Name: name, Err: ErrUnsupportedLayout,
				Detail: "the edit would change this entry too (it shares text with the edited one through a YAML anchor or alias); the file is left unchanged"}
		}
		return &Error{File: d.path, Err: ErrUnsupportedLayout, Detail: "the edited text would not read back as intended; the file is left unchanged"}
	}
	// A JSON file stays JSON; a YAML file in flow style need not become JSON.
	if d.t.flow && json.Valid(d.t.data[d.t.bom:]) && !json.Valid(out[d.t.bom:]) {
		return &Error{File: d.path, Err: ErrUnsupportedLayout, Detail: "the edited file would not be valid JSON; the file is left unchanged"}
	}
	return nil
}

// firstChanged names the first cluster, user or context (sorted by name)
// that differs between got and want, or returns "" when none does.
func firstChanged(got, want *clientcmdapi.Config) (kind, name string) {
	for _, list := range []string{ListContexts, ListClusters, ListUsers} {
		all := map[string]bool{}
		for _, n := range stanzaNames(got, list) {
			all[n] = true
		}
		for _, n := range stanzaNames(want, list) {
			all[n] = true
		}
		for _, n := range names(all) {
			x, y := stanza(got, list, n), stanza(want, list, n)
			if x == nil || y == nil {
				return kindOf(list), n
			}
			a, err1 := stanzaJSON(list, x)
			b, err2 := stanzaJSON(list, y)
			if err1 != nil || err2 != nil || !reflect.DeepEqual(normalJSON(a), normalJSON(b)) {
				return kindOf(list), n
			}
		}
	}
	return "", ""
}

func configChanged(before []byte, cfg *clientcmdapi.Config) bool {
	old, err := clientcmd.Load(before)
	if err != nil {
		return true
	}
	a, _ := normalize(old)
	b, _ := normalize(cfg)
	return !reflect.DeepEqual(a, b)
}

// normalize turns a config into plain JSON values, for comparison.
func normalize(cfg *clientcmdapi.Config) (any, error) {
	c := cfg.DeepCopy()
	for _, x := range c.Clusters {
		x.LocationOfOrigin = ""
	}
	for _, x := range c.AuthInfos {
		x.LocationOfOrigin = ""
	}
	for _, x := range c.Contexts {
		x.LocationOfOrigin = ""
	}
	obj, err := latest.Scheme.ConvertToVersion(c, latest.ExternalVersion)
	if err != nil {
		return nil, fmt.Errorf("encoding config: %w", err)
	}
	data, err := json.Marshal(obj)
	if err != nil {
		return nil, fmt.Errorf("encoding config: %w", err)
	}
	var v any
	if err := json.Unmarshal(data, &v); err != nil {
		return nil, err
	}
	return v, nil
}

// encodeFile writes a whole config as kubectl does.
func encodeFile(cfg *clientcmdapi.Config) ([]byte, error) {
	return Encode(cfg, "yaml")
}

// stanzaJSON is the JSON body (without its name) of a cluster, user or context.
func stanzaJSON(list string, obj any) (json.RawMessage, error) {
	cfg := clientcmdapi.NewConfig()
	switch list {
	case ListClusters:
		cfg.Clusters["x"] = obj.(*clientcmdapi.Cluster)
	case ListUsers:
		cfg.AuthInfos["x"] = obj.(*clientcmdapi.AuthInfo)
	case ListContexts:
		cfg.Contexts["x"] = obj.(*clientcmdapi.Context)
	}
	v, err := latest.Scheme.ConvertToVersion(cfg, latest.ExternalVersion)
	if err != nil {
		return nil, fmt.Errorf("encoding %s: %w", kindOf(list), err)
	}
	v1 := v.(*clientcmdv1.Config)
	var body any
	switch list {
	case ListClusters:
		body = v1.Clusters[0].Cluster
	case ListUsers:
		body = v1.AuthInfos[0].AuthInfo
	case ListContexts:
		body = v1.Contexts[0].Context
	}
	return json.Marshal(body)
}

// renderYAMLItem writes a list entry in block style: its dash at column
// dash, its keys offset more columns to the right.
func (d *document) renderYAMLItem(list string, it newItem, dash, offset int) (string, error) {
	if offset < 2 {
		offset = 2
	}
	body, err := sigsyaml.JSONToYAML(it.body)
	if err != nil {
		return "", fmt.Errorf("encoding %s %q: %w", kindOf(list), it.name, err)
	}
	lines := []string{"name: " + renderScalar(it.name, 0, false)}
	if b := strings.TrimSpace(string(body)); b == "{}" {
		lines = append(lines, bodyKey[list]+": {}")
	} else {
		lines = append(lines, bodyKey[list]+":")
		for _, l := range strings.Split(strings.TrimRight(string(body), "\n"), "\n") {
			lines = append(lines, "  "+l)
		}
	}
	var b strings.Builder
	for i, l := range lines {
		if i == 0 {
			b.WriteString(strings.Repeat(" ", dash) + "-" + strings.Repeat(" ", offset-1) + l + "\n")
		} else {
			b.WriteString(strings.Repeat(" ", dash+offset) + l + "\n")
		}
	}
	return b.String(), nil
}

// renderJSONItem writes a list entry as indented JSON starting at column indent.
func (d *document) renderJSONItem(list string, it newItem, indent int) (string, error) {
	compact := []byte(`{"name":` + doubleQuote(it.name) + `,"` + bodyKey[list] + `":` + string(it.body) + `}`)
	unit := d.jsonIndentUnit()
	var buf bytes.Buffer
	var err error
	if unit == "" {
		err = json.Compact(&buf, compact)
	} else {
		err = json.Indent(&buf, compact, strings.Repeat(" ", indent), unit)
	}
	if err != nil {
		return "", fmt.Errorf("encoding %s %q: %w", kindOf(list), it.name, err)
	}
	data := buf.Bytes()
	return strings.Repeat(" ", indent) + string(data), nil
}

// jsonIndentUnit guesses the indentation a JSON file uses ("" when compact).
func (d *document) jsonIndentUnit() string {
	if d.t.root == nil || len(d.t.root.Content) == 0 {
		return "    "
	}
	off := d.t.offset(d.t.root.Content[0])
	if d.t.lineStart(d.t.offset(d.t.root)) == d.t.lineStart(off) {
		return ""
	}
	return strings.Repeat(" ", max(d.t.indentOf(off), 1))
}

func (d *document) finishDeletes() error {
	t := d.t
	seqs := make([]*yaml.Node, 0, len(d.deletes))
	for s := range d.deletes {
		seqs = append(seqs, s)
	}
	for _, seq := range seqs {
		del := d.deletes[seq]
		if seq.Style&yaml.FlowStyle == 0 {
			for i := range seq.Content {
				if !del[i] {
					continue
				}
				start, end, err := d.itemSpan(seq, i, true)
				if err != nil {
					return err
				}
				t.queue(start, end, "")
			}
			continue
		}
		// Flow (JSON) list: remove runs of entries with their commas.
		n := len(seq.Content)
		ends := make([]int, n)
		for i, it := range seq.Content {
			e, err := t.end(it, 0)
			if err != nil {
				return err
			}
			ends[i] = e
		}
		for a := 0; a < n; a++ {
			if !del[a] {
				continue
			}
			b := a
			for b+1 < n && del[b+1] {
				b++
			}
			switch {
			case a > 0:
				t.queue(ends[a-1], ends[b], "")
			case b < n-1:
				t.queue(t.offset(seq.Content[0]), t.offset(seq.Content[b+1]), "")
			default:
				open := t.skipProps(t.offset(seq))
				closeEnd, err := t.flowEnd(seq)
				if err != nil {
					return err
				}
				t.queue(open+1, closeEnd-1, "")
			}
			a = b
		}
	}
	return nil
}

func (d *document) finishAppends(list string) error {
	items := d.appends[list]
	if len(items) == 0 {
		return nil
	}
	t := d.t
	k, seq := d.list(list)
	if seq != nil && seq.Kind == yaml.SequenceNode && len(seq.Content) > 0 {
		last := seq.Content[len(seq.Content)-1]
		if seq.Style&yaml.FlowStyle != 0 {
			end, err := t.end(last, 0)
			if err != nil {
				return err
			}
			lastStart := t.offset(last)
			j := lastStart
			for j > 0 && isBlankOrBreak(t.data[j-1]) {
				j--
			}
			sep := string(t.data[j:lastStart])
			var b strings.Builder
			for _, it := range items {
				s, err := d.renderJSONItem(list, it, t.indentOf(lastStart))
				if err != nil {
					return err
				}
				b.WriteString("," + sep + t.withNL(strings.TrimLeft(s, " ")))
			}
			t.queue(end, end, b.String())
			return nil
		}
		dash := t.childIndent(seq)
		end, err := t.end(seq, dash)
		if err != nil {
			return err
		}
		offset := d.itemOffset(seq)
		var b strings.Builder
		for _, it := range items {
			s, err := d.renderYAMLItem(list, it, dash, offset)
			if err != nil {
				return err
			}
			b.WriteString(s)
		}
		pos := t.lineEnd(end)
		s := b.String()
		if pos == len(t.data) && !t.endsWithBreak() {
			s = "\n" + strings.TrimSuffix(s, "\n")
		}
		t.queue(pos, pos, t.withNL(s))
		return nil
	}
	// No list yet, or an empty or null one.
	var rendered string
	if t.flow {
		indent := 0
		if k != nil {
			indent = t.indentOf(t.offset(k))
		}
		unit := d.jsonIndentUnit()
		var parts []string
		for _, it := range items {
			s, err := d.renderJSONItem(list, it, indent+len(unit))
			if err != nil {
				return err
			}
			parts = append(parts, s)
		}
		if unit == "" {
			rendered = "[" + strings.Join(parts, ",") + "]"
		} else {
			rendered = "[\n" + strings.Join(parts, ",\n") + "\n" + strings.Repeat(" ", indent) + "]"
		}
	} else {
		indent := 0
		if k != nil {
			indent = t.indentOf(t.offset(k))
		}
		var b strings.Builder
		for _, it := range items {
			s, err := d.renderYAMLItem(list, it, indent, 2)
			if err != nil {
				return err
			}
			b.WriteString(s)
		}
		rendered = "\n" + strings.TrimSuffix(b.String(), "\n")
	}
	rendered = t.withNL(rendered)
	if k == nil {
		return d.insertKey(t.root, list, rendered, false)
	}
	if seq.Kind == yaml.SequenceNode && len(seq.Content) == 0 || seq.Kind == yaml.ScalarNode && seq.Tag == "!!null" {
		start := t.offset(seq)
		end, err := t.end(seq, t.childIndent(t.root))
		if err != nil {
			return err
		}
		if !t.flow {
			// "key: []" or "key: ~" or "key:": the entries go on the lines below.
			kEnd, err := t.end(k, 0)
			if err != nil {
				return err
			}
			colon := bytes.IndexByte(t.data[kEnd:], ':')
			if colon < 0 {
				return t.errorAt(k, "cannot find the colon after %s", list)
			}
			start = kEnd + colon + 1
		} else if start == end {
			rendered = " " + rendered
		}
		t.queue(start, end, rendered)
		return nil
	}
	return t.errorAt(seq, "%s is not a list", list)
}

// itemOffset is how many columns right of its dash a block sequence's
// first entry starts (2 when it starts on the next line).
func (d *document) itemOffset(seq *yaml.Node) int {
	t := d.t
	dashOff := t.skipProps(t.offset(seq))
	first := t.offset(seq.Content[0])
	if t.lineIndex(first) != t.lineIndex(dashOff) {
		return 2
	}
	return first - dashOff
}

// names lists the names of a map's keys, sorted.
func names[V any](m map[string]V) []string {
	out := make([]string, 0, len(m))
	for k := range m {
		out = append(out, k)
	}
	sort.Strings(out)
	return out
}
