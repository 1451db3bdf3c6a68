package npy

import (
	"archive/zip"
	"testing"
)

func TestKind(t *testing.T) {
	for _, tc := range []struct {
		dtype string
		want  byte
	}{
		{"<f8", 'f'}, {"<i4", 'i'}, {"|u1", 'u'}, {"|b1", 'b'}, {"<U10", 0}, {"", 0},
	} {
		if got := Kind(tc.dtype); got != tc.want {
			t.Errorf("Kind(%q) = %q, want %q", tc.dtype, got, tc.want)
		}
	}
}

func TestZipMembers(t *testing.T) {
	files := []*zip.File{{FileHeader: zip.FileHeader{Name: "post.npy"}}, {FileHeader: zip.FileHeader{Name: "shape"}}}
	m := ZipMembers(files)
	if len(m) != 2 || m["post"] != files[0] || m["shape"] != files[1] {
		t.Errorf("ZipMembers = %v", m)
	}
}
