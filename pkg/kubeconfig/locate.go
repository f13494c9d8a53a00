package kubeconfig

import (
	"os"

	yaml "go.yaml.in/yaml/v3"
)

// locate returns the line of field path under the entry called name in the
// list key of file, or of the entry itself, or 0 when it cannot be found.
// It reads the file again and is meant for error paths only.
func locate(file, list, name string, path ...string) int {
	data, err := os.ReadFile(file)
	if err != nil {
		return 0
	}
	var doc yaml.Node
	if yaml.Unmarshal(data, &doc) != nil || len(doc.Content) == 0 {
		return 0
	}
	return locateNode(doc.Content[0], list, name, path...)
}

// locateNode is locate on a parsed document's root mapping.
func locateNode(root *yaml.Node, list, name string, path ...string) int {
	_, items := mapGet(root, list)
	if items == nil {
		return 0
	}
	for _, item := range items.Content {
		if _, n := mapGet(item, "name"); n == nil || n.Value != name {
			continue
		}
		line, node := item.Line, item
		for _, key := range path {
			k, v := mapGet(node, key)
			if k == nil {
				return line
			}
			line, node = k.Line, v
		}
		return line
	}
	return 0
}
