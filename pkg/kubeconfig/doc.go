// Package kubeconfig loads, merges, validates, redacts and edits kubeconfig
// files exactly as kubectl and client-go's clientcmd do, while remembering the
// file every cluster, user and context came from.
//
// The package never prints and never opens a network connection: it takes
// and returns values, and its errors name the file, the line, the entry and the
// field they are about.
package kubeconfig
