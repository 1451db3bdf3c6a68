package raster

import (
	"archive/zip"
	"fmt"
	"slices"
	"strings"

	"github.com/hdsnn/hdsnn/npy"
)

// ReadNPZ reads a set from a .npz file (numpy.savez or savez_compressed:
// a zip archive of .npy arrays): its only array, or the one named
// "patterns" when it holds several. The array is read as ReadNPY reads a
// .npy file. check, if not nil, is called with the array's shape before
// its data is read, so that a caller can refuse one too large for the
// machine.
func ReadNPZ(path string, check func(shape []int) error) (*Set, error) {
	z, err := zip.OpenReader(path)
	if err != nil {
		return nil, &ParseError{Path: path, Err: fmt.Errorf("not a .npz (zip) archive: %w; save with numpy.savez", err)}
	}
	defer z.Close()
	var arrays []*zip.File
	var names []string
	for _, f := range z.File {
		if strings.HasSuffix(f.Name, ".npy") {
			arrays = append(arrays, f)
			names = append(names, strings.TrimSuffix(f.Name, ".npy"))
		}
	}
	var f *zip.File
	switch k := slices.Index(names, "patterns"); {
	case len(arrays) == 1:
		f = arrays[0]
	case k >= 0:
		f = arrays[k]
	case len(arrays) == 0:
		return nil, &ParseError{Path: path, Err: fmt.Errorf("the archive holds no .npy array; save the patterns with numpy.savez(path, patterns=a)")}
	default:
		return nil, &ParseError{Path: path, Err: fmt.Errorf("the archive holds the arrays %s and none is named \"patterns\"; save with numpy.savez(path, patterns=a)", strings.Join(names, ", "))}
	}
	name := path + ":" + f.Name
	if check != nil {
		r, err := f.Open()
		if err != nil {
			return nil, &ParseError{Path: name, Err: err}
		}
		shape, _, err := npy.HeaderFrom(r)
		r.Close()
		if err != nil {
			return nil, withPath(err, name)
		}
		if err := check(shape); err != nil {
			return nil, &ParseError{Path: name, Err: err}
		}
	}
	r, err := f.Open()
	if err != nil {
		return nil, &ParseError{Path: name, Err: err}
	}
	defer r.Close()
	shape, data, err := npy.ReadBinaryFrom(r)
	if err != nil {
		return nil, withPath(err, name)
	}
	return npySet(name, shape, data)
}

// withPath names path in a *ParseError without one.
func withPath(err error, path string) error {
	if pe, ok := err.(*ParseError); ok && pe.Path == "" {
		return &ParseError{Path: path, Line: pe.Line, Err: pe.Err}
	}
	return fmt.Errorf("%s: %w", path, err)
}
