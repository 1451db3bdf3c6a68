package npy

import (
	"archive/zip"
	"strings"
)

// ZipHeader returns the shape and dtype of f, one .npy member of a .npz
// archive (a zip of .npy files), without reading its data.
func ZipHeader(f *zip.File) (shape []int, dtype string, err error) {
	r, err := f.Open()
	if err != nil {
		return nil, "", err
	}
	defer r.Close()
	return HeaderFrom(r)
}

// ZipFloat64 reads f, one .npy member of a .npz archive, as float64
// (see ReadFloat64From for the dtypes it converts).
func ZipFloat64(f *zip.File) ([]float64, error) {
	r, err := f.Open()
	if err != nil {
		return nil, err
	}
	defer r.Close()
	a, err := ReadFloat64From(r)
	if err != nil {
		return nil, err
	}
	return a.Data, nil
}

// ZipMembers indexes the members of a .npz archive by array name: the
// member's name without its ".npy" suffix, as numpy.savez names them.
func ZipMembers(files []*zip.File) map[string]*zip.File {
	m := make(map[string]*zip.File, len(files))
	for _, f := range files {
		m[strings.TrimSuffix(f.Name, ".npy")] = f
	}
	return m
}

// Kind returns the kind character of a dtype string ('f' float, 'i'
// signed or 'u' unsigned integer, 'b' boolean for "<f8", "<i4", "|u1",
// "|b1"), or 0 when dtype is not of that three-character form.
func Kind(dtype string) byte {
	if len(dtype) == 3 {
		return dtype[1]
	}
	return 0
}
