package testcluster

import (
	"os"
	"path/filepath"
	"strings"
	"testing"
)

func TestCheckBinariesSaysHowToBuild(t *testing.T) {
	dir := t.TempDir()
	err := CheckBinaries(dir)
	if err == nil || !strings.Contains(err.Error(), "make controlplane") || !strings.Contains(err.Error(), "etcd") {
		t.Fatalf("CheckBinaries(empty) = %v, want an error naming etcd and `make controlplane`", err)
	}
	for _, name := range []string{"etcd", "kube-apiserver"} {
		if err := os.WriteFile(filepath.Join(dir, name), nil, 0o755); err != nil {
			t.Fatal(err)
		}
	}
	if err := CheckBinaries(dir); err == nil || !strings.Contains(err.Error(), "kubectl not found") {
		t.Fatalf("CheckBinaries without kubectl = %v", err)
	}
	if err := os.WriteFile(filepath.Join(dir, "kubectl"), nil, 0o755); err != nil {
		t.Fatal(err)
	}
	if err := CheckBinaries(dir); err != nil {
		t.Fatalf("CheckBinaries with all three = %v", err)
	}
}
